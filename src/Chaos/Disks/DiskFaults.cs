using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos.Disks;

/// <summary>
/// A Region's filesystem filled to the last block while the workload runs, then freed. While it is full: a change is
/// refused with an AWS error that says why and leaves nothing behind, crypto calls are refused rather than served
/// without an audit record (at most those already on their way are served, and their records are kept), and the
/// Region reports NOT_SERVING. Once there is room it serves again by itself, in the same process.
/// </summary>
public sealed class DiskFaults(ChaosCluster cluster, RegionDisks disks, Ledger ledger, History history, RunFigures figures)
{
    public static readonly string[] Kinds = ["disk-full"];

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Changes of about 30 KB each (a key with the longest description, and its record): several times a write-ahead log's reuse.</summary>
    private const int MaxChanges = 500;

    /// <summary>How long a Region may take to serve again once there is room: the audit writer's longest wait between tries, and then some.</summary>
    private static readonly TimeSpan BackWithin = TimeSpan.FromSeconds(20);

    public async Task InjectAsync(string region, TimeSpan duration)
    {
        await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
        var client = cluster.Client(region);
        string keyId;
        try
        {
            keyId = (await Call(region, (kms, o) => kms.CreateKeyAsync(new CreateKeyRequest { Description = "disk probe" }, o)).ConfigureAwait(false)).KeyMetadata.KeyId;
        }
        catch (MrkException e)
        {
            figures.Check("disk: the Region takes the probe key before its disk fills", $"{region}: {e.ErrorCode}: {e.Message}");
            return;
        }

        ledger.CountAcknowledged(region, "CreateKey", keyId);
        var process = cluster.Region(region).Pid;
        var filled = await disks.FillAsync(region).ConfigureAwait(false);
        history.Write("disk", new Dictionary<string, object?> { ["region"] = region, ["filledBytes"] = filled });
        var alias = $"alias/disk-full-{Guid.NewGuid():N}";
        var kept = new List<string>();
        try
        {
            // SQLite writes into the pages its write-ahead log already has until the log must grow: changes may be
            // acknowledged for a while after the last block is taken (and must then survive); then they are refused.
            MrkException? change = null;
            for (var i = 0; i < MaxChanges && change is null; i++)
            {
                string? created = null;
                change = await RefusalAsync(async () => created = (await Call(region, (kms, o) => kms.CreateKeyAsync(new CreateKeyRequest
                {
                    Description = new string('d', 8000),
                }, o)).ConfigureAwait(false)).KeyMetadata.KeyId).ConfigureAwait(false);
                if (created is not null)
                {
                    kept.Add(created);
                    ledger.CountAcknowledged(region, "CreateKey", created);
                }
            }

            figures.Check("disk: a change is refused with an AWS error that says the disk is full",
                change is { ErrorCode: "DependencyTimeoutException" } e && e.Message.Contains("disk", StringComparison.Ordinal) ? null
                    : $"{region}: after {kept.Count} changes acknowledged, CreateKey answered {Describe(change)}");
            var named = await RefusalAsync(() => Call(region, (kms, o) => kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = keyId }, o)))
                .ConfigureAwait(false);
            if (named is null)
            {
                ledger.Aliases.Add(new Alias(region, alias, keyId));
            }

            // The first crypto calls may be served before the audit writer has met the full disk (their records wait in
            // memory, and are written once there is room); after that every one is refused.
            var served = 0;
            MrkException? refused = null;
            for (var i = 0; i < 50 && refused is null; i++)
            {
                refused = await RefusalAsync(() => Call(region, (kms, o) => kms.EncryptAsync(new EncryptRequest
                {
                    KeyId = keyId, Plaintext = Google.Protobuf.ByteString.CopyFromUtf8("disk probe"),
                }, o))).ConfigureAwait(false);
                if (refused is null)
                {
                    served++;
                    ledger.CountAcknowledged(region, "Encrypt", keyId);
                    await Task.Delay(100).ConfigureAwait(false);
                }
            }

            figures.Check("disk: crypto calls are refused rather than served without their audit record",
                refused is { ErrorCode: "DependencyTimeoutException" } r && r.Message.Contains("audit", StringComparison.Ordinal) ? null
                    : $"{region}: after {served} served, Encrypt answered {Describe(refused)}");
            var health = await client.CheckHealthAsync().WaitAsync(CallTimeout).ConfigureAwait(false);
            figures.Check("disk: the Region reports NOT_SERVING while it cannot write", health == "NOTSERVING" ? null : $"{region}: {health}");
            history.Write("disk", new Dictionary<string, object?> { ["region"] = region, ["encryptServed"] = served, ["health"] = health });
            await Task.Delay(duration).ConfigureAwait(false);
        }
        finally
        {
            disks.Free(region);
        }

        var back = await BackAsync(region, keyId).ConfigureAwait(false);
        figures.Check("disk: once there is room the Region serves again without a restart",
            back is null && cluster.Region(region).Pid == process ? null : $"{region}: {back ?? "the process was restarted"}");
        var leftOver = await RefusalAsync(() => Call(region, (kms, o) => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = alias }, o))).ConfigureAwait(false);
        var aliasKept = ledger.Aliases.Any(a => a.Name == alias);
        figures.Check("disk: a change refused for a full disk left nothing behind",
            aliasKept || leftOver is { ErrorCode: "NotFoundException" } ? null : $"{region}: {alias}, refused, answered {Describe(leftOver)}");
        foreach (var created in kept)
        {
            var state = await RefusalAsync(() => Call(region, (kms, o) => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = created }, o))).ConfigureAwait(false);
            figures.Check("disk: a change acknowledged on a full disk is kept", state is null ? null : $"{region}: {created}: {Describe(state)}");
        }
    }

    /// <summary>Null once the Region is SERVING and encrypts again (within <see cref="BackWithin"/>); else what it last answered.</summary>
    private async Task<string?> BackAsync(string region, string keyId)
    {
        var deadline = DateTime.UtcNow + BackWithin;
        var last = "nothing";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await cluster.Client(region).CheckHealthAsync().WaitAsync(CallTimeout).ConfigureAwait(false);
                if (last == "SERVING")
                {
                    await Call(region, (kms, o) => kms.EncryptAsync(new EncryptRequest
                    {
                        KeyId = keyId, Plaintext = Google.Protobuf.ByteString.CopyFromUtf8("disk probe"),
                    }, o)).ConfigureAwait(false);
                    ledger.CountAcknowledged(region, "Encrypt", keyId);
                    return null;
                }
            }
            catch (Exception e) when (e is MrkException or TimeoutException)
            {
                last = e.Message;
            }

            await Task.Delay(250).ConfigureAwait(false);
        }

        return $"not back within {BackWithin.TotalSeconds} s: {last}";
    }

    private static string Describe(MrkException? e) => e is null ? "success" : $"{e.ErrorCode}: {e.Message}";

    /// <summary>The refusal <paramref name="call"/> ends with, or null when it succeeds.</summary>
    private static async Task<MrkException?> RefusalAsync(Func<Task> call)
    {
        try
        {
            await call().ConfigureAwait(false);
            return null;
        }
        catch (MrkException e)
        {
            return e;
        }
    }

    private async Task<T> Call<T>(string region, Func<KeyManagementService.KeyManagementServiceClient, Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<T>> call)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        return await cluster.Client(region).CallAsync(call, timeout.Token).ConfigureAwait(false);
    }
}
