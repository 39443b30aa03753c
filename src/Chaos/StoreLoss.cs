using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Client;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// Faults that take a Region's store away. restore-region: a backup is taken online while the workload runs, the
/// workload goes on, then the Region is killed, its store replaced by the backup (restore checks it first) and started:
/// it must rejoin and hold every set's current state again. rebuild-region: the store is lost with no backup; the
/// sets the Region led are promoted elsewhere by an operator's break-glass order, the Region starts empty and asks the
/// others to rebuild it. What only that Region held after the backup (or at all) is written off in the ledger, as the
/// operations guide says a restore or rebuild cannot bring it back; everything else must be there.
/// </summary>
public sealed class StoreLoss(ChaosCluster cluster, Ledger ledger, History history, RunFigures figures)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(60);
    private int _backups;

    /// <summary>
    /// Backs <paramref name="region"/> up online, lets the workload go on for <paramref name="duration"/>, then loses its
    /// store and restores the backup; with <paramref name="clockBack"/>, the restored Region starts with its clock set
    /// back that far (and keeps it so for the fault's duration), so nothing of its sequence may come from its clock.
    /// </summary>
    public async Task RestoreAsync(string region, TimeSpan duration, TimeSpan? clockBack = null)
    {
        var node = cluster.Region(region);
        var backup = Path.Combine(cluster.Folder, $"backup-{region}-{Interlocked.Increment(ref _backups)}.db");
        ledger.BeginUncertain(region);
        try
        {
            try
            {
                using var within = new CancellationTokenSource(Step);
                await using var file = File.Create(backup);
                await cluster.OperatorClient(region).BackupRegionAsync(file, within.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MrkException or OperationCanceledException or IOException or InvalidDataException or Grpc.Core.RpcException)
            {
                // The Region could not be reached for a backup (a fault before this one still healing): nothing to restore.
                history.Write("fault-skipped", new Dictionary<string, object?> { ["kind"] = "restore-region", ["region"] = region, ["reason"] = e.Message });
                return;
            }

            // The workload goes on changing things the backup does not hold.
            await Task.Delay(duration).ConfigureAwait(false);
            await node.KillAsync().ConfigureAwait(false);
            Wipe(cluster.DataDirectory(region), keep: "domain.key");
            await RunNodeCommandAsync(region, ["restore", "--from", backup], "an online backup restores (integrity, domain key and audit log checked)")
                .ConfigureAwait(false);
            await SetClockBackAsync(region, clockBack, "restore-with-clock-back").ConfigureAwait(false);
            node.Start();
            await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
            await TrueClockAfterAsync(region, clockBack, duration).ConfigureAwait(false);
            await LeadAgainWhatTheRestoreLeftWithoutAPrimaryAsync(region).ConfigureAwait(false);
        }
        finally
        {
            ledger.EndUncertain(region);
            File.Delete(backup);
        }
    }

    /// <summary>
    /// A set whose primary role reached <paramref name="region"/> after its backup, while it held no key of the set, has
    /// no primary after the restore (the restored Region cannot lead a set it does not hold; docs/operations.md, "What a
    /// restore cannot bring back"). The operator's way out, as written there: stop the Region past the promotion grace,
    /// promote a replica of each such set by break-glass, and start it again; it then follows as a replica.
    /// </summary>
    private async Task LeadAgainWhatTheRestoreLeftWithoutAPrimaryAsync(string region)
    {
        await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
        var unled = new List<KeySet>();
        foreach (var set in ledger.Sets.Values.Where(s => s.Primary == region))
        {
            if (await DescribeAsync(region, set.KeyId).ConfigureAwait(false) is null)
            {
                unled.Add(set);
            }
        }

        if (unled.Count == 0)
        {
            return;
        }

        history.Write("restore-left-without-primary", new Dictionary<string, object?> { ["region"] = region, ["keys"] = string.Join(",", unled.Select(s => s.KeyId)) });
        var node = cluster.Region(region);
        await node.KillAsync().ConfigureAwait(false);
        await PromoteWhatItLedAsync(region, unled).ConfigureAwait(false);
        node.Start();
        await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Loses <paramref name="region"/>'s store with no backup and rebuilds it as the operations guide says: its empty data
    /// directory prepared by `rebuild`, the node started, its principal added back, then `mrk cluster rebuild-region`.
    /// With <paramref name="clockBack"/>, it starts with its clock set back that far, and a set it leads must reach another
    /// Region before the rebuild-region call: nothing it sends may be numbered from its clock.
    /// </summary>
    public async Task RebuildAsync(string region, TimeSpan duration, TimeSpan? clockBack = null)
    {
        var node = cluster.Region(region);
        ledger.BeginUncertain(region);
        try
        {
            await node.KillAsync().ConfigureAwait(false);
            Wipe(cluster.DataDirectory(region), keep: null);
            ledger.ForgetRegion(region);
            await PromoteWhatItLedAsync(region, ledger.Sets.Values).ConfigureAwait(false);
            await RunNodeCommandAsync(region, ["rebuild"], "a lost Region's empty data directory is prepared for a rebuild").ConfigureAwait(false);
            await SetClockBackAsync(region, clockBack, "rebuild-with-clock-back").ConfigureAwait(false);
            node.Start();
            await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
            // Principals are the Region's own and went with its store: the operator adds them again before the keys come
            // back, so the key policies that name them are bound to them.
            await cluster.AddWorkloadPrincipalAsync(region, CancellationToken.None).ConfigureAwait(false);
            if (clockBack is not null)
            {
                figures.Check("rebuild: what a rebuilt Region sends before rebuild-region is taken, its clock set back",
                    await SetReachesAnotherRegionAsync(region).ConfigureAwait(false));
            }

            var rebuilt = (RebuildRegionResponse)await cluster.OperatorClient(region).InvokeAsync(RegionAdmin.Descriptor.FindMethodByName("RebuildRegion"),
                new RebuildRegionRequest()).ConfigureAwait(false);
            history.Write("rebuild", new Dictionary<string, object?> { ["region"] = region, ["asked"] = string.Join(",", rebuilt.Regions) });
            await TrueClockAfterAsync(region, clockBack, duration).ConfigureAwait(false);
        }
        finally
        {
            ledger.EndUncertain(region);
        }
    }

    /// <summary>Runs one of the RegionNode's commands for a stopped Region (restore, rebuild), checking that it succeeds.</summary>
    private async Task RunNodeCommandAsync(string region, string[] command, string check)
    {
        var run = new NodeProcess($"{region}-{command[0]}", ProductBinaries.RegionNode,
            [.. command, "--region", region, "--data-dir", cluster.DataDirectory(region)], cluster.Region(region).LogFile);
        run.Start();
        var exit = await run.WaitForExitAsync(Step).ConfigureAwait(false);
        figures.Check(check,
            exit == 0 ? null : $"{region}: {command[0]} exited {exit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(hung)"}: {run.LogTail(5)}");
        await run.DisposeAsync().ConfigureAwait(false);
    }

    private async Task SetClockBackAsync(string region, TimeSpan? clockBack, string kind)
    {
        if (clockBack is { } back && cluster.Clocks is { } clocks)
        {
            history.Write("clock", new Dictionary<string, object?> { ["region"] = region, ["kind"] = kind, ["offsetSeconds"] = -(long)back.TotalSeconds });
            await clocks.SetAsync(region, -back).ConfigureAwait(false);
        }
    }

    /// <summary>Long enough for the rejoin and the workload's next changes to be sent while the clock is still back; then true again.</summary>
    private async Task TrueClockAfterAsync(string region, TimeSpan? clockBack, TimeSpan duration)
    {
        if (clockBack is not null && cluster.Clocks is { } clocks)
        {
            await Task.Delay(duration + TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            await clocks.SetAsync(region, TimeSpan.Zero).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A multi-Region key created in <paramref name="region"/> and replicated to another Region is Enabled there within
    /// a minute: null when it is, else what happened. The key is the probe's own; the ledger does not follow it.
    /// </summary>
    private async Task<string?> SetReachesAnotherRegionAsync(string region)
    {
        var other = ChaosCluster.Regions.First(r => r != region);
        using var within = new CancellationTokenSource(Step);
        try
        {
            var keyId = (await cluster.Client(region).CallAsync((kms, o) => kms.CreateKeyAsync(
                new CreateKeyRequest { MultiRegion = true, Description = "rebuild probe" }, o), within.Token).ConfigureAwait(false)).KeyMetadata.KeyId;
            await cluster.Client(region).CallAsync((kms, o) => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = other }, o),
                within.Token).ConfigureAwait(false);
            while (true)
            {
                try
                {
                    var state = (await cluster.Client(other).CallAsync((kms, o) => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, o),
                        within.Token).ConfigureAwait(false)).KeyMetadata.KeyState;
                    if (state == KeyState.Enabled)
                    {
                        return null;
                    }
                }
                catch (MrkException e) when (e.ErrorCode == "NotFoundException")
                {
                    // Not there yet.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), within.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return $"{region} created a set and replicated it to {other}; {other} did not hold it Enabled within {Step.TotalSeconds:0} s";
        }
        catch (MrkException e)
        {
            return $"{region} could not create or replicate a set: {e.ErrorCode}: {e.Message}";
        }
    }

    /// <summary>
    /// Each set the lost Region led moves, by an operator's break-glass order, to a Region that holds an Enabled replica;
    /// a set no other Region holds is lost with it. The ControlPlane refuses until it has missed the Region for its grace.
    /// </summary>
    private async Task PromoteWhatItLedAsync(string lost, IEnumerable<KeySet> sets)
    {
        // As an operator would: the other Regions are asked only once they serve (a fault before this one may still be
        // restarting one of them), so a replica is not missed, nor its set written off, for a Region that was starting.
        foreach (var region in ChaosCluster.Regions.Where(r => r != lost))
        {
            await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
        }

        using var operatorCertificate = ClusterPki.Load(cluster.Layout.OperatorCertificate, cluster.Layout.OperatorKey);
        using var operatorKey = operatorCertificate.GetECDsaPrivateKey()!;
        foreach (var set in sets.OrderBy(s => s.Ordinal).ToList())
        {
            var holders = new List<(string Region, DescribeReplicaSetResponse View)>();
            foreach (var region in ChaosCluster.Regions.Where(r => r != lost))
            {
                if (await DescribeAsync(region, set.KeyId).ConfigureAwait(false) is { } view)
                {
                    holders.Add((region, view));
                }
            }

            if (holders.Count == 0)
            {
                history.Write("set-lost", new Dictionary<string, object?> { ["key"] = set.KeyId, ["region"] = lost });
                ledger.ForgetSet(set.KeyId);
                continue;
            }

            if (holders.Any(h => h.View.PrimaryRegion == h.Region) || holders.All(h => h.View.PrimaryRegion != lost))
            {
                continue;
            }

            var promoted = false;
            var deadline = DateTime.UtcNow + Step;
            while (!promoted && DateTime.UtcNow < deadline)
            {
                foreach (var (region, view) in holders.Where(h => h.View.KeyState == "Enabled"))
                {
                    promoted = await PromoteAsync(region, view, operatorCertificate.RawData, operatorKey).ConfigureAwait(false);
                    if (promoted)
                    {
                        set.Primary = region;
                        set.RotationsLostWithPrimary = true;
                        break;
                    }
                }

                if (!promoted)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
                    holders = await RefreshAsync(holders, set.KeyId).ConfigureAwait(false);
                }
            }

            if (!promoted)
            {
                // No replica could take over (none Enabled: a creation whose material never left the lost Region).
                history.Write("set-lost", new Dictionary<string, object?> { ["key"] = set.KeyId, ["region"] = lost, ["reason"] = "no replica to promote" });
                ledger.ForgetSet(set.KeyId);
            }
        }
    }

    private async Task<List<(string Region, DescribeReplicaSetResponse View)>> RefreshAsync(List<(string Region, DescribeReplicaSetResponse View)> holders,
        string keyId)
    {
        var fresh = new List<(string, DescribeReplicaSetResponse)>();
        foreach (var (region, view) in holders)
        {
            fresh.Add((region, await DescribeAsync(region, keyId).ConfigureAwait(false) ?? view));
        }

        return fresh;
    }

    private async Task<bool> PromoteAsync(string region, DescribeReplicaSetResponse view, byte[] certificate, System.Security.Cryptography.ECDsa operatorKey)
    {
        var issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        const string Reason = "mrk-chaos rebuild-region: the Region that led this set lost its store";
        try
        {
            await cluster.OperatorClient(region).InvokeAsync(RegionAdmin.Descriptor.FindMethodByName("PromoteReplica"), new PromoteReplicaRequest
            {
                KeyId = view.KeyId, Epoch = view.Epoch + 1, PreviousPrimary = view.PrimaryRegion, Reason = Reason, IssuedAt = Timestamp.FromDateTimeOffset(issuedAt),
                OperatorCertificate = Google.Protobuf.ByteString.CopyFrom(certificate),
                OperatorSignature = Google.Protobuf.ByteString.CopyFrom(
                    BreakGlassOrders.Sign(operatorKey, view.KeyId, view.Epoch + 1, view.PrimaryRegion, region, Reason, issuedAt)),
            }).ConfigureAwait(false);
            history.Write("promote", new Dictionary<string, object?> { ["key"] = view.KeyId, ["region"] = region, ["from"] = view.PrimaryRegion });
            return true;
        }
        catch (MrkException e)
        {
            history.Write("promote-refused", new Dictionary<string, object?> { ["key"] = view.KeyId, ["region"] = region, ["reason"] = $"{e.ErrorCode}: {e.Message}" });
            return false;
        }
    }

    private async Task<DescribeReplicaSetResponse?> DescribeAsync(string region, string keyId)
    {
        try
        {
            return (DescribeReplicaSetResponse)await cluster.OperatorClient(region).InvokeAsync(RegionAdmin.Descriptor.FindMethodByName("DescribeReplicaSet"),
                new DescribeReplicaSetRequest { KeyId = keyId }).ConfigureAwait(false);
        }
        catch (MrkException e) when (e.ErrorCode is "NotFoundException")
        {
            return null;
        }
    }

    /// <summary>Everything in the data directory goes, but <paramref name="keep"/> (the domain key, kept apart from backups).</summary>
    private static void Wipe(string folder, string? keep)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.Name == keep)
            {
                continue;
            }

            if (entry is DirectoryInfo directory)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }
}
