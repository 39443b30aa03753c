using System.Diagnostics;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Bench;

/// <summary>
/// How fast multi-Region changes reach the other Regions: ReplicateKey until the replica is Enabled, RotateKeyOnDemand
/// until every Region encrypts with the new version (one at a time, then under a steady rotation load). Each figure
/// is the time until a poll of the other Region saw the change, so it includes up to one poll interval.
/// </summary>
public sealed class CrossRegion(MrkClient primary, IReadOnlyDictionary<string, MrkClient> replicas, TimeSpan poll, TimeSpan timeout)
{
    /// <summary>
    /// Each Region answered once before any clock starts: this tool's connection to it opened, and its not-found answer
    /// (what every poll gets until a replica exists) taken once, so a first sample times the Regions and not this
    /// client's own first call.
    /// </summary>
    public async Task OpenAsync()
    {
        var unknown = Guid.NewGuid().ToString();
        foreach (var region in replicas.Values.Prepend(primary))
        {
            if (await IsEnabledAsync(region, unknown).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"a key {unknown} made up by this tool was found Enabled");
            }
        }
    }

    /// <summary>
    /// Milliseconds from ReplicateKey to Enabled in each replica Region, for <paramref name="samples"/> new keys, and to
    /// the primary's answer alone (the rest is the relay, the replica's work and the tool's polling).
    /// </summary>
    public async Task<(List<double> Enabled, List<double> Answered)> ReplicateAsync(int samples, Action<string> progress)
    {
        var enabled = new List<double>();
        var answered = new List<double>();
        for (var i = 0; i < samples; i++)
        {
            var keyId = await CreateMultiRegionKeyAsync(primary).ConfigureAwait(false);
            var waits = replicas.Select(async replica =>
            {
                var start = Stopwatch.GetTimestamp();
                await primary.CallAsync((k, o) => k.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = replica.Key }, o))
                    .ConfigureAwait(false);
                var answer = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                await UntilAsync(() => IsEnabledAsync(replica.Value, keyId)).ConfigureAwait(false);
                return (Enabled: Stopwatch.GetElapsedTime(start).TotalMilliseconds, Answered: answer);
            });
            foreach (var (until, answer) in await Task.WhenAll(waits).ConfigureAwait(false))
            {
                enabled.Add(until);
                answered.Add(answer);
            }

            progress($"ReplicateKey {i + 1}/{samples}");
        }

        return (enabled, answered);
    }

    /// <summary>A multi-Region key already replicated to every replica Region, ready for rotations.</summary>
    public async Task<string> ReplicatedKeyAsync()
    {
        var keyId = await CreateMultiRegionKeyAsync(primary).ConfigureAwait(false);
        foreach (var replica in replicas)
        {
            await primary.CallAsync((k, o) => k.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = replica.Key }, o))
                .ConfigureAwait(false);
            await UntilAsync(() => IsEnabledAsync(replica.Value, keyId)).ConfigureAwait(false);
        }

        return keyId;
    }

    /// <summary>Milliseconds from RotateKeyOnDemand until the last Region encrypts with the new version.</summary>
    public async Task<double> RotateAsync(string keyId)
    {
        var before = await MaterialAsync(primary, keyId).ConfigureAwait(false);
        var start = Stopwatch.GetTimestamp();
        await primary.CallAsync((k, o) => k.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }, o)).ConfigureAwait(false);
        await Task.WhenAll(replicas.Values.Prepend(primary).Select(region =>
            UntilAsync(async () => await MaterialAsync(region, keyId).ConfigureAwait(false) != before))).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>
    /// Rotations visible everywhere, measured while <paramref name="rotators"/> rotate other keys without pause for
    /// <paramref name="duration"/>; each key is rotated at most <paramref name="perKey"/> times.
    /// </summary>
    public async Task<(List<double> Lags, double RotationsPerSecond)> RotateUnderLoadAsync(int rotators, int perKey, TimeSpan duration,
        Action<string> progress)
    {
        var keys = new List<string>();
        for (var i = 0; i < rotators; i++)
        {
            keys.Add(await ReplicatedKeyAsync().ConfigureAwait(false));
        }

        progress($"rotating {rotators} keys at once for {duration.TotalSeconds:0} s");
        var lags = new List<double>();
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(keys.Select(async keyId =>
        {
            for (var n = 0; n < perKey && stopwatch.Elapsed < duration; n++)
            {
                var lag = await RotateAsync(keyId).ConfigureAwait(false);
                lock (lags)
                {
                    lags.Add(lag);
                }
            }
        })).ConfigureAwait(false);
        return (lags, lags.Count / stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Rotations visible everywhere under a steady, paced load: a rotation starts every 1/<paramref name="perSecond"/>
    /// seconds for <paramref name="duration"/> (open loop: when the cluster is slow, rotations overlap rather than the
    /// load easing off), each on a key of <paramref name="pool"/> with no rotation of its own in flight. A start that
    /// finds every key busy is counted as missed, not delayed. Returns the lags, the rate achieved and the misses.
    /// </summary>
    public async Task<(List<double> Lags, double RotationsPerSecond, int Missed)> RotatePacedAsync(int pool, double perSecond, TimeSpan duration,
        Action<string> progress)
    {
        var idle = new System.Collections.Concurrent.ConcurrentQueue<string>();
        for (var i = 0; i < pool; i++)
        {
            idle.Enqueue(await ReplicatedKeyAsync().ConfigureAwait(false));
        }

        progress($"rotating at {perSecond:0.#}/s over {pool} keys for {duration.TotalSeconds:0} s");
        var lags = new List<double>();
        var running = new List<Task>();
        var missed = 0;
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        var stopwatch = Stopwatch.StartNew();
        for (var n = 0; n * interval < duration; n++)
        {
            var due = n * interval - stopwatch.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due).ConfigureAwait(false);
            }

            if (!idle.TryDequeue(out var keyId))
            {
                missed++;
                continue;
            }

            running.Add(Task.Run(async () =>
            {
                var lag = await RotateAsync(keyId).ConfigureAwait(false);
                lock (lags)
                {
                    lags.Add(lag);
                }

                idle.Enqueue(keyId);
            }));
        }

        var elapsed = stopwatch.Elapsed;
        await Task.WhenAll(running).ConfigureAwait(false);
        return (lags, lags.Count / elapsed.TotalSeconds, missed);
    }

    public static async Task<string> CreateMultiRegionKeyAsync(MrkClient client) =>
        (await client.CallAsync((k, o) => k.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true, Description = "mrk-bench" }, o))
            .ConfigureAwait(false)).KeyMetadata.KeyId;

    public static async Task<bool> IsEnabledAsync(MrkClient client, string keyId)
    {
        try
        {
            var key = await client.CallAsync((k, o) => k.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, o)).ConfigureAwait(false);
            return key.KeyMetadata.KeyState == KeyState.Enabled;
        }
        catch (MrkException e) when (e.ErrorCode == "NotFoundException")
        {
            return false;
        }
    }

    /// <summary>The version Encrypt uses in that Region now: the key's current material.</summary>
    private static async Task<string> MaterialAsync(MrkClient client, string keyId) =>
        (await client.CallAsync((k, o) => k.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, o)).ConfigureAwait(false))
        .KeyMetadata.CurrentKeyMaterialId;

    private async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition().ConfigureAwait(false))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"not seen within {timeout.TotalSeconds:0} s"));
            }

            await Task.Delay(poll).ConfigureAwait(false);
        }
    }
}
