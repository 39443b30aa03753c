using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// The primary's first repeat to a replica waits for as long as that replica's acknowledgements have been taking, and
/// a repeat that comes due waits while the replica is still answering what was sent before it.
/// </summary>
public sealed class RepeatTimingTests
{
    private const string East = "us-east-1";
    private const string West = "eu-west-1";

    [Fact]
    public async Task SlowAcknowledgements_PushTheFirstRepeatBack_WithinTheLongestBackOff()
    {
        using var cluster = new InProcessCluster(1, East, West);
        var key = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, "set", null, null, null, [], true, false),
            CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, CancellationToken.None);

        // Nothing known yet: the first repeat waits one sync interval (1 s in the test store).
        Assert.Equal(cluster.Clock.GetUtcNow().AddSeconds(1), await NextRepeatAsync(cluster, key.KeyId));

        // West answers after 3 s: a change then waits four times that before repeating itself to West.
        cluster.Clock.Advance(TimeSpan.FromSeconds(3));
        await cluster.DeliverAllAsync(duplicateRate: 0);
        await cluster[East].Rotation.EnableKeyRotationAsync(Caller.System, key.KeyId, 90, CancellationToken.None);
        Assert.Equal(cluster.Clock.GetUtcNow().AddSeconds(12), await NextRepeatAsync(cluster, key.KeyId));

        // Never longer than the back-off's cap (16 intervals here), however slow the answers were.
        await cluster.DeliverAllAsync(duplicateRate: 0);
        cluster.Clock.Advance(TimeSpan.FromSeconds(60));
        await cluster[East].Rotation.EnableKeyRotationAsync(Caller.System, key.KeyId, 120, CancellationToken.None);
        cluster.Clock.Advance(TimeSpan.FromSeconds(60));
        await cluster.DeliverAllAsync(duplicateRate: 0);
        await cluster[East].Rotation.EnableKeyRotationAsync(Caller.System, key.KeyId, 150, CancellationToken.None);
        Assert.Equal(cluster.Clock.GetUtcNow().AddSeconds(16), await NextRepeatAsync(cluster, key.KeyId));
    }

    [Fact]
    public async Task ARepeatWaits_WhileTheReplicaAnswersOnlyWhatWasSentBefore_AndLeavesOnceItAnswersSomethingSentLater()
    {
        using var cluster = new InProcessCluster(1, East, West);
        var keys = await ReplicatedApartAsync(cluster, 3);
        var (first, lost, later) = (keys[0], keys[1], keys[2]);

        // West works through its backlog: it has answered the first creation, not yet the other two.
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(900));
        await AnswerFirstInLineAsync(cluster);
        Assert.Equal([first], await RepliedToAsync(cluster, first, lost, later));

        // Both others are due now, but West is still answering what was sent before them: nothing is repeated.
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, await cluster[East].Receiver.AntiEntropyAsync(CancellationToken.None));
        Assert.Equal([lost, later], await CreationsQueuedAsync(cluster));
        Assert.Equal(cluster.Clock.GetUtcNow().AddSeconds(1), await NextRepeatAsync(cluster, lost));

        // The second creation is lost on the way; West answers the third, sent after it: the second is repeated.
        await LoseFirstInLineAsync(cluster);
        await AnswerFirstInLineAsync(cluster);
        Assert.Equal([first, later], await RepliedToAsync(cluster, first, lost, later));
        cluster.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await cluster[East].Receiver.AntiEntropyAsync(CancellationToken.None));
        Assert.Equal([lost], await CreationsQueuedAsync(cluster));
    }

    [Fact]
    public async Task ARepeatLeaves_OnceTheReplicaHasStoppedAnswering()
    {
        using var cluster = new InProcessCluster(1, East, West);
        var keys = await ReplicatedApartAsync(cluster, 2);
        var (first, lost) = (keys[0], keys[1]);
        await AnswerFirstInLineAsync(cluster);
        await LoseFirstInLineAsync(cluster);
        Assert.Equal([first], await RepliedToAsync(cluster, first, lost));

        // Due, but West answered just now: put off for one interval. Silent since then: repeated.
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(0, await cluster[East].Receiver.AntiEntropyAsync(CancellationToken.None));
        cluster.Clock.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.Equal(1, await cluster[East].Receiver.AntiEntropyAsync(CancellationToken.None));
        Assert.Equal([lost], await CreationsQueuedAsync(cluster));
    }

    /// <summary>West receives the oldest creation East queued, is sent the material it asks for, and acknowledges.</summary>
    private static async Task AnswerFirstInLineAsync(InProcessCluster cluster)
    {
        await cluster.DeliverFirstOfKindAsync(East, CreateReplica.Descriptor.FullName);
        await cluster.DeliverFirstOfKindAsync(West, KeyRequest.Descriptor.FullName);
        await cluster.DeliverFirstOfKindAsync(East, KeyTransfer.Descriptor.FullName);
        await cluster.DeliverFirstOfKindAsync(West, SyncAck.Descriptor.FullName);
    }

    /// <summary>The oldest creation East queued never arrives.</summary>
    private static async Task LoseFirstInLineAsync(InProcessCluster cluster)
    {
        var queued = (await cluster[East].Relay.PendingAsync(100, CancellationToken.None))
            .First(p => Envelope.Parser.ParseFrom(p.Envelope).Kind == CreateReplica.Descriptor.FullName);
        await cluster[East].Relay.RemoveAsync(queued.MessageId, CancellationToken.None);
    }

    /// <summary><paramref name="count"/> multi-Region keys replicated from East to West, 10 ms apart.</summary>
    private static async Task<IReadOnlyList<string>> ReplicatedApartAsync(InProcessCluster cluster, int count)
    {
        var keys = new List<string>();
        for (var i = 0; i < count; i++)
        {
            cluster.Clock.Advance(TimeSpan.FromMilliseconds(i == 0 ? 0 : 10));
            var key = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System,
                new CreateKeyCommand(string.Empty, "set", null, null, null, [], true, false), CancellationToken.None);
            await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, CancellationToken.None);
            keys.Add(key.KeyId);
        }

        return keys;
    }

    /// <summary>The keys whose creation East has queued for West (not yet sent), in order.</summary>
    private static async Task<IReadOnlyList<string>> CreationsQueuedAsync(InProcessCluster cluster) =>
        (await cluster[East].Relay.PendingAsync(100, CancellationToken.None)).Select(p => Envelope.Parser.ParseFrom(p.Envelope))
        .Where(e => e.Kind == CreateReplica.Descriptor.FullName).Select(e => e.KeyId).ToList();

    /// <summary>Those of <paramref name="keyIds"/> whose replica West has acknowledged to East.</summary>
    private static async Task<IReadOnlyList<string>> RepliedToAsync(InProcessCluster cluster, params string[] keyIds)
    {
        var answered = new List<string>();
        foreach (var keyId in keyIds)
        {
            if ((await cluster[East].Store.FindKeyAsync(keyId, CancellationToken.None))!.MultiRegion!.Progress[West].PendingCreation is null)
            {
                answered.Add(keyId);
            }
        }

        return answered;
    }

    private static async Task<DateTimeOffset?> NextRepeatAsync(InProcessCluster cluster, string keyId) =>
        (await cluster[East].Store.FindKeyAsync(keyId, CancellationToken.None))!.MultiRegion!.NextAttemptDue;
}
