using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// After healing: waits until the cluster has converged, then checks every invariant against what was acknowledged.
/// Each check is counted in <see cref="RunFigures"/>; each failure is a violation with the evidence.
/// </summary>
public sealed class InvariantChecker(ChaosCluster cluster, Ledger ledger, History history, RunFigures figures,
    IReadOnlyCollection<Clocks.DueAction>? dueActions = null)
{
    private static readonly TimeSpan ConvergeWithin = TimeSpan.FromSeconds(90);

    /// <summary>Finishes what faults interrupted on purpose-built paths (a deletion scheduled but not cancelled), then
    /// waits for the relay to drain and every set of <paramref name="scope"/> to agree. False when the cluster could not
    /// be healed (a violation).</summary>
    public async Task<bool> SettleAsync(IReadOnlyList<KeySet> scope, CancellationToken cancellationToken)
    {
        try
        {
            await cluster.HealAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // A process that does not come back, or a Region that never connects again, ends the run: nothing after it
            // could be told apart from this failure.
            figures.Check("converges after healing", $"healing failed: {e.Message}");
            history.Write("check", new Dictionary<string, object?> { ["invariant"] = "heal", ["problem"] = e.Message });
            return false;
        }

        foreach (var set in scope)
        {
            foreach (var region in ChaosCluster.Regions)
            {
                var key = await DescribeAsync(region, set.KeyId, cancellationToken).ConfigureAwait(false);
                if (key?.KeyState is KeyState.PendingDeletion or KeyState.PendingReplicaDeletion)
                {
                    await ManageAsync(region, "CancelKeyDeletion", set.KeyId,
                        (kms, o) => kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = set.KeyId }, o), cancellationToken).ConfigureAwait(false);
                    key = await DescribeAsync(region, set.KeyId, cancellationToken).ConfigureAwait(false);
                }

                if (key?.KeyState == KeyState.Disabled)
                {
                    await ManageAsync(region, "EnableKey", set.KeyId,
                        (kms, o) => kms.EnableKeyAsync(new EnableKeyRequest { KeyId = set.KeyId }, o), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        var deadline = DateTime.UtcNow + ConvergeWithin;
        string? difference = null;
        var calm = 0;
        while (DateTime.UtcNow < deadline)
        {
            var status = await cluster.StatusAsync(cancellationToken).ConfigureAwait(false);
            difference = status.Regions.FirstOrDefault(r => r.QueueDepth > 0 || !r.Connected) is { } busy
                ? $"relay queue for {busy.Region}: {busy.QueueDepth} (connected: {busy.Connected})"
                : await FirstDifferenceAsync(scope, cancellationToken).ConfigureAwait(false);
            calm = difference is null ? calm + 1 : 0;
            if (calm >= 3)
            {
                break;
            }

            await Task.Delay(calm > 0 ? 300 : 500, cancellationToken).ConfigureAwait(false);
        }

        figures.Check("converges after healing", calm >= 3 ? null : $"not within {ConvergeWithin.TotalSeconds} s: {difference}");
        return true;
    }

    /// <summary>Checks the sets of <paramref name="scope"/> and those the ciphertexts, signatures and MACs of
    /// <paramref name="iteration"/> (all when null) were made with; and, when <paramref name="final"/>, the audit logs
    /// and the secret scan.</summary>
    public async Task CheckAsync(int? iteration, IReadOnlyList<KeySet> scope, bool final, CancellationToken cancellationToken)
    {
        var used = ledger.Ciphertexts.Where(c => iteration is null || c.Iteration == iteration).Select(c => c.KeyId)
            .Concat(ledger.Signatures.Where(c => iteration is null || c.Iteration == iteration).Select(c => c.KeyId))
            .Concat(ledger.Macs.Where(c => iteration is null || c.Iteration == iteration).Select(c => c.KeyId));
        var sets = scope.Concat(used.Select(id => ledger.Sets.GetValueOrDefault(id)).OfType<KeySet>()).DistinctBy(s => s.KeyId).ToList();
        var views = new Dictionary<string, Dictionary<string, KeyMetadata>>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            views[set.KeyId] = await ViewAsync(set.KeyId, cancellationToken).ConfigureAwait(false);
            await CheckSetAsync(set, views[set.KeyId], cancellationToken).ConfigureAwait(false);
        }

        figures.SetsChecked += sets.Count;

        foreach (var ciphertext in ledger.Ciphertexts.Where(c => iteration is null || c.Iteration == iteration))
        {
            foreach (var region in views[ciphertext.KeyId].Keys)
            {
                var request = new DecryptRequest { CiphertextBlob = ByteString.CopyFrom(ciphertext.Blob) };
                request.EncryptionContext.Add(ciphertext.Context);
                var problem = await ProblemAsync(async () =>
                {
                    var plaintext = (await cluster.Client(region).DecryptAsync(request, cancellationToken).ConfigureAwait(false)).Plaintext;
                    return plaintext.Span.SequenceEqual(ciphertext.Plaintext) ? null : "decrypted to different bytes";
                }).ConfigureAwait(false);
                figures.Check("acknowledged ciphertext decrypts in every Region of its set",
                    problem is null ? null : $"{ciphertext.KeyId} encrypted in {ciphertext.Region}, decrypt in {region}: {problem}");
            }
        }

        foreach (var signature in ledger.Signatures.Where(c => iteration is null || c.Iteration == iteration))
        {
            foreach (var region in views[signature.KeyId].Keys)
            {
                var problem = await ProblemAsync(async () =>
                {
                    await cluster.Client(region).VerifyAsync(new VerifyRequest
                    {
                        KeyId = signature.KeyId, Message = ByteString.CopyFrom(signature.Message), MessageType = MessageType.Raw,
                        Signature = ByteString.CopyFrom(signature.Value), SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256,
                    }, cancellationToken).ConfigureAwait(false);
                    return null;
                }).ConfigureAwait(false);
                figures.Check("acknowledged signature verifies in every Region of its set",
                    problem is null ? null : $"{signature.KeyId} signed in {signature.Region}, verify in {region}: {problem}");
            }
        }

        foreach (var mac in ledger.Macs.Where(c => iteration is null || c.Iteration == iteration))
        {
            foreach (var region in views[mac.KeyId].Keys)
            {
                var problem = await ProblemAsync(async () =>
                {
                    await cluster.Client(region).CallAsync((kms, o) => kms.VerifyMacAsync(new VerifyMacRequest
                    {
                        KeyId = mac.KeyId, Message = ByteString.CopyFrom(mac.Message), Mac = ByteString.CopyFrom(mac.Value), MacAlgorithm = MacAlgorithmSpec.HmacSha256,
                    }, o), cancellationToken).ConfigureAwait(false);
                    return null;
                }).ConfigureAwait(false);
                figures.Check("acknowledged MAC verifies in every Region of its set",
                    problem is null ? null : $"{mac.KeyId} made in {mac.Region}, verify in {region}: {problem}");
            }
        }

        await CheckAliasesAsync(cancellationToken).ConfigureAwait(false);
        if (final)
        {
            foreach (var region in ChaosCluster.Regions)
            {
                await new AuditCheck(cluster, ledger, figures, dueActions ?? []).RunAsync(region, cancellationToken).ConfigureAwait(false);
            }

            new SecretScan(cluster, ledger, figures).Run();
        }
        history.Write("check", new Dictionary<string, object?>
        {
            ["iteration"] = iteration, ["final"] = final, ["checks"] = figures.Checks.Values.Sum(), ["violations"] = figures.Violations.Count,
        });
    }

    private async Task CheckSetAsync(KeySet set, Dictionary<string, KeyMetadata> view, CancellationToken cancellationToken)
    {
        var primaries = view.Where(v => v.Value.MultiRegionConfiguration.MultiRegionKeyType == MultiRegionKeyType.Primary).Select(v => v.Key).ToList();
        figures.Check("exactly one primary per set", primaries.Count == 1 ? null : $"{set.KeyId}: primaries [{string.Join(", ", primaries)}]");
        if (primaries.Count != 1)
        {
            return;
        }

        var configuration = view[primaries[0]].MultiRegionConfiguration;
        var listed = configuration.ReplicaKeys.Select(r => r.Region).Append(configuration.PrimaryKey.Region).ToList();
        figures.Check("each Region holds at most one key of a set, and the set lists exactly the Regions that hold it",
            listed.Count == listed.Distinct().Count() && listed.ToHashSet().SetEquals(view.Keys)
                ? null : $"{set.KeyId}: listed [{string.Join(", ", listed)}], held in [{string.Join(", ", view.Keys)}]");
        var missing = set.Regions.Where(r => !view.ContainsKey(r)).ToList();
        figures.Check("acknowledged keys and replicas exist", missing.Count == 0 ? null : $"{set.KeyId}: missing in [{string.Join(", ", missing)}]");

        var shared = view.ToDictionary(v => v.Key, v => SharedView(v.Value));
        var rotations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var region in view.Keys)
        {
            if (set.Kind == SetKind.Symmetric)
            {
                // Only symmetric keys rotate, so only they list their material versions.
                var entries = await RotationsAsync(region, set.KeyId, cancellationToken).ConfigureAwait(false);
                rotations[region] = string.Join(",", entries.Select(e => $"{e.KeyMaterialId}:{e.RotationType}"));
                var status = await cluster.Client(region).CallAsync((kms, o) => kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = set.KeyId }, o),
                    cancellationToken).ConfigureAwait(false);
                shared[region] += $" rotation={status.KeyRotationEnabled}/{status.RotationPeriodInDays}";
                if (region == primaries[0] && !set.RotationsLostWithPrimary)
                {
                    var onDemand = entries.Count(e => e.RotationType == RotationType.OnDemand);
                    figures.Check("acknowledged rotations exist", onDemand >= set.AcknowledgedRotations
                        ? null : $"{set.KeyId}: {onDemand} on-demand rotations listed, {set.AcknowledgedRotations} acknowledged");
                }
            }
        }

        figures.Check("related keys agree on every shared property", shared.Values.Distinct().Count() == 1
            ? null : $"{set.KeyId}: {string.Join(" | ", shared.Select(s => $"{s.Key}: {s.Value}"))}");
        figures.Check("related keys hold the same material versions", rotations.Values.Distinct().Count() <= 1
            ? null : $"{set.KeyId}: {string.Join(" | ", rotations.Select(s => $"{s.Key}: {s.Value}"))}");
    }

    private async Task CheckAliasesAsync(CancellationToken cancellationToken)
    {
        foreach (var group in ledger.Aliases.GroupBy(a => a.Region))
        {
            var present = new Dictionary<string, string>(StringComparer.Ordinal);
            var marker = string.Empty;
            do
            {
                var page = await cluster.Client(group.Key).CallAsync((kms, o) => kms.ListAliasesAsync(new ListAliasesRequest { Limit = 1000, Marker = marker }, o),
                    cancellationToken).ConfigureAwait(false);
                foreach (var alias in page.Aliases)
                {
                    present[alias.AliasName] = alias.TargetKeyId;
                }

                marker = page.Truncated ? page.NextMarker : string.Empty;
            }
            while (marker.Length > 0);

            foreach (var alias in group)
            {
                figures.Check("acknowledged aliases exist and point to their key",
                    present.TryGetValue(alias.Name, out var target) && target == alias.KeyId ? null : $"{alias.Region} {alias.Name} -> {alias.KeyId}: found {target ?? "nothing"}");
            }
        }
    }

    /// <summary>Everything every holder says about the set that must be the same everywhere.</summary>
    private static string SharedView(KeyMetadata m)
    {
        var c = m.MultiRegionConfiguration;
        return JsonSerializer.Serialize(new
        {
            m.KeySpec, m.KeyUsage, m.Origin, m.MultiRegion, Encryption = m.EncryptionAlgorithms.ToList(), Signing = m.SigningAlgorithms.ToList(),
            Mac = m.MacAlgorithms.ToList(), m.CurrentKeyMaterialId, Primary = c.PrimaryKey.Region,
            Replicas = c.ReplicaKeys.Select(r => r.Region).Order(StringComparer.Ordinal).ToList(),
        });
    }

    /// <summary>
    /// The first set of <paramref name="scope"/> whose Regions do not yet agree on everything the check compares between
    /// them, or null. Replication is asynchronous, so an empty relay queue is not enough: a replica's creation may still
    /// wait in its primary's outbox, and a rotation's material may be between its hops while the current version is the
    /// same everywhere.
    /// </summary>
    private async Task<string?> FirstDifferenceAsync(IReadOnlyList<KeySet> scope, CancellationToken cancellationToken)
    {
        foreach (var set in scope)
        {
            var view = await ViewAsync(set.KeyId, cancellationToken).ConfigureAwait(false);
            if (Unsettled(set.KeyId, view) is { } difference)
            {
                return difference;
            }

            if (set.Kind == SetKind.Symmetric && view.Count > 1)
            {
                var versions = new HashSet<string>(StringComparer.Ordinal);
                foreach (var region in view.Keys)
                {
                    var entries = await RotationsAsync(region, set.KeyId, cancellationToken).ConfigureAwait(false);
                    versions.Add(string.Join(",", entries.Select(e => e.KeyMaterialId)));
                }

                if (versions.Count > 1)
                {
                    return $"{set.KeyId}: Regions hold different material versions";
                }
            }
        }

        return null;
    }

    /// <summary>Why the holders of a set, as described by each Region, have not settled yet; null when they agree.</summary>
    internal static string? Unsettled(string keyId, IReadOnlyDictionary<string, KeyMetadata> view)
    {
        if (view.Values.FirstOrDefault(m => m.KeyState is KeyState.Creating or KeyState.Updating) is { } busy)
        {
            return $"{keyId} is {busy.KeyState} in {busy.Arn}";
        }

        if (view.Values.Select(SharedView).Distinct().Count() > 1)
        {
            return $"{keyId}: Regions disagree";
        }

        var primary = view.Values.FirstOrDefault(m => m.MultiRegionConfiguration?.MultiRegionKeyType == MultiRegionKeyType.Primary);
        var absent = primary?.MultiRegionConfiguration.ReplicaKeys.Select(r => r.Region).Where(r => !view.ContainsKey(r)).ToList() ?? [];
        return absent.Count == 0 ? null : $"{keyId}: its primary lists [{string.Join(", ", absent)}], which do not hold it yet";
    }

    private async Task<Dictionary<string, KeyMetadata>> ViewAsync(string keyId, CancellationToken cancellationToken)
    {
        var view = new Dictionary<string, KeyMetadata>(StringComparer.Ordinal);
        foreach (var region in ChaosCluster.Regions)
        {
            if (await DescribeAsync(region, keyId, cancellationToken).ConfigureAwait(false) is { } metadata)
            {
                view[region] = metadata;
            }
        }

        return view;
    }

    private async Task<KeyMetadata?> DescribeAsync(string region, string keyId, CancellationToken cancellationToken)
    {
        try
        {
            return (await cluster.Client(region).DescribeKeyAsync(keyId, cancellationToken).ConfigureAwait(false)).KeyMetadata;
        }
        catch (MrkException e) when (e.ErrorCode == "NotFoundException")
        {
            return null;
        }
    }

    private async Task<List<RotationsListEntry>> RotationsAsync(string region, string keyId, CancellationToken cancellationToken)
    {
        var entries = new List<RotationsListEntry>();
        var marker = string.Empty;
        do
        {
            var page = await cluster.Client(region).CallAsync((kms, o) => kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = keyId, IncludeKeyMaterial = IncludeKeyMaterial.AllKeyMaterial, Limit = 1000, Marker = marker }, o),
                cancellationToken).ConfigureAwait(false);
            entries.AddRange(page.Rotations);
            marker = page.Truncated ? page.NextMarker : string.Empty;
        }
        while (marker.Length > 0);

        return entries;
    }

    private async Task ManageAsync<T>(string region, string eventName, string keyId,
        Func<KeyManagementService.KeyManagementServiceClient, Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<T>> call, CancellationToken cancellationToken)
    {
        await cluster.Client(region).CallAsync(call, cancellationToken).ConfigureAwait(false);
        ledger.CountAcknowledged(region, eventName, keyId);
        history.Write("heal", new Dictionary<string, object?> { ["op"] = eventName, ["region"] = region, ["key"] = keyId });
    }

    private static async Task<string?> ProblemAsync(Func<Task<string?>> check)
    {
        try
        {
            return await check().ConfigureAwait(false);
        }
        catch (MrkException e)
        {
            return $"{e.ErrorCode}: {e.Message}";
        }
    }
}
