using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// A burst of replications (2,000 replicas, thousands of envelopes queued at once) converges: every replica Enabled,
/// none missing. The outbox is read on past what was sent and anti-entropy holds back while it is full, so the burst
/// neither stalls behind unconfirmed envelopes nor multiplies itself with repeats.
/// </summary>
public sealed class ReplicationBurstTests(ITestOutputHelper output)
{
    private const int Keys = 1000;

    [Fact]
    public async Task AThousandKeysReplicatedAtOnce_EveryReplicaEnabled()
    {
        await using var cluster = await StartAsync(output);
        var keyIds = new string[Keys];
        await ForEachAsync(Keys, async i => keyIds[i] = (await cluster.Kms(East).CreateKeyAsync(new CreateKeyRequest { MultiRegion = true },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout()).KeyMetadata.KeyId);
        var pairs = keyIds.SelectMany(k => new[] { (Key: k, Region: West), (Key: k, Region: Sydney) }).ToArray();
        await ForEachAsync(pairs.Length, i => cluster.Kms(East).ReplicateKeyAsync(new ReplicateKeyRequest
        {
            KeyId = pairs[i].Key, ReplicaRegion = pairs[i].Region,
        }, deadline: Deadline.Soon).ResponseAsync.WithTimeout());

        using var overall = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await ForEachAsync(pairs.Length, async i =>
        {
            overall.Token.ThrowIfCancellationRequested();
            return await cluster.UntilAsync(pairs[i].Region, pairs[i].Key, m => m.KeyState == KeyState.Enabled, TimeSpan.FromMinutes(5));
        });
        foreach (var region in new[] { West, Sydney })
        {
            var listed = await cluster.Kms(region).ListKeysAsync(new ListKeysRequest { Limit = 1000 }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
            Assert.Equal(Keys, listed.Keys.Count);
            Assert.False(listed.Truncated);
        }
    }

    /// <summary>
    /// A backlog leaves as batches: with the ControlPlane down, 40 replications wait in the primary's outbox; once it is
    /// back they reach it as a handful of signed batches rather than 40 envelopes, and the replica, started after, applies
    /// every member.
    /// </summary>
    [Fact]
    public async Task BacklogWhileTheControlPlaneIsDown_LeavesAsBatches_EveryMemberApplied()
    {
        const int backlog = 40;
        await using var cluster = await StartAsync(output);
        var keyIds = new string[backlog];
        await ForEachAsync(backlog, async i => keyIds[i] = (await cluster.Kms(East).CreateKeyAsync(new CreateKeyRequest { MultiRegion = true },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout()).KeyMetadata.KeyId);
        await cluster.KillRegionAsync(West);
        await cluster.KillControlPlaneAsync();
        await ForEachAsync(backlog, i => cluster.Kms(East).ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyIds[i], ReplicaRegion = West },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout());
        // Every creation waits in the outbox, beside what else East had queued for West: the transport prekeys it
        // published and its answer to West's when the Regions started, and anti-entropy repeats that came due
        // meanwhile (every 0.5 s here, so a machine slowed by other work queues more of them: 58 seen on a loaded one).
        // Twice the backlog would mean a replication queued twice.
        Assert.InRange(OutboxCount(cluster, East, West), backlog, 2 * backlog - 1);
        var firstSequence = Scalar(cluster, East, "SELECT min(sequence) FROM outbox WHERE destination = $d;", West);

        // Anti-entropy repeats the creations while the replica is away: every message East queued for West counts.
        await cluster.StartControlPlaneAsync();
        await Eventually.TrueAsync(() => Task.FromResult(OutboxCount(cluster, East, West) == 0), TimeSpan.FromSeconds(60), "the primary's outbox to empty");
        var queued = (await cluster.ControlPlane!.StatusAsync(cluster.Certificates)).Regions.Single(r => r.Region == West).QueueDepth;
        var messages = Scalar(cluster, East, "SELECT next_out FROM relay_peers WHERE region = $d;", West) - firstSequence;
        Assert.True(queued >= 1 && queued * 4 <= messages, $"{messages} messages reached the ControlPlane as {queued} envelopes");

        await cluster.StartRegionAsync(West);
        await ForEachAsync(backlog, i => cluster.UntilAsync(West, keyIds[i], m => m.KeyState == KeyState.Enabled, TimeSpan.FromMinutes(2)));
    }

    /// <summary>Messages <paramref name="region"/> holds for <paramref name="destination"/> that the ControlPlane has not stored yet.</summary>
    private static long OutboxCount(ThreeRegionCluster cluster, string region, string destination) =>
        Scalar(cluster, region, "SELECT count(*) FROM outbox WHERE destination = $d;", destination);

    private static long Scalar(ThreeRegionCluster cluster, string region, string sql, string destination)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(cluster.DataDirectory(region), "region.db"), Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$d", destination);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Runs the calls from 8 workers at once.</summary>
    private static Task ForEachAsync<T>(int count, Func<int, Task<T>> call)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await call(i);
            }
        }));
    }
}
