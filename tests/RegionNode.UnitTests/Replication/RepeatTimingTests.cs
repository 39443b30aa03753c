using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>The primary's first repeat to a replica waits for as long as that replica's acknowledgements have been taking.</summary>
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

    private static async Task<DateTimeOffset?> NextRepeatAsync(InProcessCluster cluster, string keyId) =>
        (await cluster[East].Store.FindKeyAsync(keyId, CancellationToken.None))!.MultiRegion!.NextAttemptDue;
}
