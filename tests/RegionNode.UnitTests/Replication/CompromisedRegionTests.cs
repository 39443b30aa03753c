using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Specs;
using HandOff = Grpc.Mrk.RegionNode.Domain.Model.HandOff;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// Sydney is compromised: its messages carry its real signature, so they pass every relay check, and it says whatever
/// serves it. Each forged sequence is refused by the Region it targets, audited there as a refused internal event,
/// changes no key, and makes no material leave.
/// </summary>
public sealed class CompromisedRegionTests
{
    private const string East = "us-east-1";
    private const string West = "eu-west-1";
    private const string Sydney = "ap-southeast-2";
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task EpochTakeover_WithoutTheHandOffOfThePrimary_RefusedEverywhere()
    {
        using var cluster = new InProcessCluster(1, East, West, Sydney);
        var key = await ReplicatedAsync(cluster, West, Sydney);
        var sydneyView = (await cluster[Sydney].Store.FindKeyAsync(key, None))!.Shared();

        // Sydney names itself primary of epoch 2: with no hand-off, with one it signed itself, and with one that claims
        // East gave the role up but carries Sydney's signature.
        HandOff[][] attempts =
        [
            [],
            [InProcessCluster.SignAs(Sydney, key, 2, Sydney, Sydney)],
            [InProcessCluster.SignAs(Sydney, key, 2, East, Sydney)],
        ];
        foreach (var handOffs in attempts)
        {
            var claim = sydneyView with { Epoch = 2, SyncVersion = 9, PrimaryRegion = Sydney, ReplicaRegions = [East, West], HandOffs = handOffs };
            foreach (var victim in new[] { East, West })
            {
                var outcome = await cluster[victim].Receiver.ReceiveAsync(Sydney, key, new SharedStateMessage(claim), None);
                Assert.True(outcome.Refused, outcome.Reason);
            }
        }

        await AssertUnchangedAsync(cluster, key);
        var refusals = (await RefusalsAsync(cluster, East)).Concat(await RefusalsAsync(cluster, West)).ToList();
        Assert.Equal(6, refusals.Count);
        Assert.All(refusals, json => Assert.Contains("\"eventName\":\"ReceiveSharedState\"", json, StringComparison.Ordinal));

        // The key set goes on under East: a rotation there reaches both replicas.
        await cluster[East].Rotation.RotateKeyOnDemandAsync(Caller.System, key, None);
        await cluster.DeliverAllAsync(duplicateRate: 0);
        foreach (var region in new[] { West, Sydney })
        {
            Assert.Equal(2, (await cluster[region].Store.FindKeyAsync(key, None))!.Materials.Count);
        }
    }

    [Fact]
    public async Task KeyRequest_ForAKeyNotReplicatedToTheRequester_RefusedAndNoMaterialLeaves()
    {
        using var cluster = new InProcessCluster(2, East, West, Sydney);
        var key = await ReplicatedAsync(cluster, West);
        var outcome = await cluster[East].Receiver.ReceiveAsync(Sydney, key, new KeyRequestMessage(new byte[120]) { RequestMessageId = "forged" }, None);
        Assert.True(outcome.Refused, outcome.Reason);
        Assert.DoesNotContain(await cluster.OutboxAsync(East), m => m.Destination == Sydney);
        Assert.Contains("\"eventName\":\"ReceiveKeyRequest\"", Assert.Single(await RefusalsAsync(cluster, East)), StringComparison.Ordinal);

        // West, a replica, is not asked for material either: only the primary answers, and only its own replicas.
        Assert.False((await cluster[West].Receiver.ReceiveAsync(Sydney, key, new KeyRequestMessage(new byte[120]) { RequestMessageId = "f2" }, None)).Applied);
        Assert.DoesNotContain(await cluster.OutboxAsync(West), m => m.Destination == Sydney);
    }

    [Fact]
    public async Task KeyTransfer_FromARegionNotAsked_Refused_AndTheRealAnswerStillTaken()
    {
        using var cluster = new InProcessCluster(3, East, West, Sydney);
        var created = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, string.Empty, null, null, null, [], true, false), None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, created.KeyId, West, string.Empty, string.Empty, [], false, None);

        // Deliver East's CreateReplica only: West queues its key request to East.
        while ((await cluster.OutboxAsync(West)).All(m => m.Kind != KeyRequest.Descriptor.FullName))
        {
            await cluster.DeliverOneFromAsync(East);
        }

        var request = (await cluster.OutboxAsync(West)).First(m => m.Kind == KeyRequest.Descriptor.FullName);
        var forged = new KeyTransferMessage(request.MessageId, new byte[120], 1, 9, [], []);
        var outcome = await cluster[West].Receiver.ReceiveAsync(Sydney, created.KeyId, forged, None);
        Assert.True(outcome.Refused, outcome.Reason);
        Assert.Equal(KeyState.Creating, (await cluster[West].Store.FindKeyAsync(created.KeyId, None))!.State);

        await cluster.DeliverAllAsync(duplicateRate: 0);
        Assert.Equal(KeyState.Enabled, (await cluster[West].Store.FindKeyAsync(created.KeyId, None))!.State);
    }

    [Fact]
    public async Task Promote_FromARegionThatIsNotThePrimary_Refused()
    {
        using var cluster = new InProcessCluster(4, East, West, Sydney);
        var key = await ReplicatedAsync(cluster, West, Sydney);
        var state = (await cluster[West].Store.FindKeyAsync(key, None))!.Shared();
        var offer = state with
        {
            Epoch = 2, SyncVersion = 9, PrimaryRegion = West, ReplicaRegions = [East, Sydney],
            HandOffs = [InProcessCluster.SignAs(Sydney, key, 2, Sydney, West)],
        };
        var outcome = await cluster[West].Receiver.ReceiveAsync(Sydney, key, new PromoteMessage(offer), None);
        Assert.True(outcome.Refused, outcome.Reason);

        // The same offer with a hand-off that names East as giving the role up, but signed by Sydney.
        outcome = await cluster[West].Receiver.ReceiveAsync(Sydney, key,
            new PromoteMessage(offer with { HandOffs = [InProcessCluster.SignAs(Sydney, key, 2, East, West)] }), None);
        Assert.True(outcome.Refused, outcome.Reason);
        await AssertUnchangedAsync(cluster, key);
        Assert.Equal(2, (await RefusalsAsync(cluster, West)).Count);
    }

    [Fact]
    public async Task PromoteRefused_FromARegionNotOffered_Refused_AndTheHandOffCompletes()
    {
        using var cluster = new InProcessCluster(5, East, West, Sydney);
        var key = await ReplicatedAsync(cluster, West, Sydney);
        await cluster[East].MultiRegion.UpdatePrimaryRegionAsync(Caller.System, key, West, None);

        var decline = InProcessCluster.SignAs(Sydney, key, 3, Sydney, East);
        var outcome = await cluster[East].Receiver.ReceiveAsync(Sydney, key, new PromoteRefusedMessage(1, "forged", decline), None);
        Assert.True(outcome.Refused, outcome.Reason);
        Assert.True((await cluster[East].Store.FindKeyAsync(key, None))!.IsHandingOff);

        await cluster.DeliverAllAsync(duplicateRate: 0);
        var keys = await Task.WhenAll(new[] { East, West, Sydney }.Select(r => cluster[r].Store.FindKeyAsync(key, None)));
        Assert.All(keys, k => Assert.Equal(West, k!.MultiRegion!.PrimaryRegion));
        Assert.All(keys, k => Assert.Equal(KeyState.Enabled, k!.State));
    }

    [Fact]
    public async Task RefusedHandOff_TheOfferCannotBeTakenUpLater()
    {
        using var cluster = new InProcessCluster(6, East, West, Sydney);
        var key = await ReplicatedAsync(cluster, West, Sydney);
        await cluster[West].Lifecycle.DisableKeyAsync(Caller.System, key, None);
        await cluster[East].MultiRegion.UpdatePrimaryRegionAsync(Caller.System, key, West, None);
        await cluster.DeliverAllAsync(duplicateRate: 0);

        // West declined (its key is disabled); East is primary again under epoch 3, which every Region follows.
        var keys = await Task.WhenAll(new[] { East, West, Sydney }.Select(r => cluster[r].Store.FindKeyAsync(key, None)));
        Assert.All(keys, k => Assert.Equal((3L, East), (k!.MultiRegion!.Epoch, k.MultiRegion.PrimaryRegion)));

        // West, later, replays the offer it declined (East's signed hand-off of epoch 2) as a claim to be primary.
        var offered = keys[0]!.MultiRegion!.HandOffs.Single(h => h.Epoch == 2);
        var replay = keys[2]!.Shared() with { Epoch = 2, SyncVersion = 50, PrimaryRegion = West, ReplicaRegions = [East, Sydney], HandOffs = [offered] };
        Assert.False((await cluster[Sydney].Receiver.ReceiveAsync(West, key, new SharedStateMessage(replay), None)).Applied);
        Assert.False((await cluster[East].Receiver.ReceiveAsync(West, key, new SharedStateMessage(replay), None)).Applied);
        Assert.Equal(East, (await cluster[Sydney].Store.FindKeyAsync(key, None))!.MultiRegion!.PrimaryRegion);
        Assert.True((await cluster[East].Store.FindKeyAsync(key, None))!.IsPrimary);
    }

    [Fact]
    public async Task ReplicaView_NeverMovesASetOrItsPrimary_ExceptForARegionThatRejoined_AndThenOnlyWithHandOffs()
    {
        using var cluster = new InProcessCluster(4, East, West, Sydney);
        var key = await ReplicatedAsync(cluster, West, Sydney);
        var sydneyView = (await cluster[Sydney].Store.FindKeyAsync(key, None))!.Shared();

        // To the primary, whose store never went back: a "later" state of its own set that drops West from it.
        var dropWest = sydneyView with { SyncVersion = 99, ReplicaRegions = [Sydney] };
        var outcome = await cluster[East].Receiver.ReceiveAsync(Sydney, key, new ReplicaViewMessage(dropWest, KeyState.Enabled), None);
        Assert.True(outcome.Refused, outcome.Reason);

        // To a replica: it is primary of epoch 2, on a hand-off Sydney signed itself; refused before and after a rejoin.
        var makeWestPrimary = sydneyView with
        {
            Epoch = 2, SyncVersion = 9, PrimaryRegion = West, ReplicaRegions = [East, Sydney],
            HandOffs = [InProcessCluster.SignAs(Sydney, key, 2, East, West)],
        };
        Assert.True((await cluster[West].Receiver.ReceiveAsync(Sydney, key, new ReplicaViewMessage(makeWestPrimary, KeyState.Enabled), None)).Refused);
        await cluster[West].Receiver.AnnounceRejoinAsync(new RejoinMessage(RejoinMessage.Restore, "b", null), None);
        outcome = await cluster[West].Receiver.ReceiveAsync(Sydney, key, new ReplicaViewMessage(makeWestPrimary, KeyState.Enabled), None);
        Assert.True(outcome.Refused, outcome.Reason);

        await AssertUnchangedAsync(cluster, key);
        var primary = (await cluster[East].Store.FindKeyAsync(key, None))!.MultiRegion!;
        Assert.Equal([Sydney, West], primary.ReplicaRegions.Order(StringComparer.Ordinal));
        Assert.Equal(sydneyView.SyncVersion, primary.SyncVersion);
        Assert.Equal(3, (await RefusalsAsync(cluster, East)).Count + (await RefusalsAsync(cluster, West)).Count);
    }

    private static async Task<string> ReplicatedAsync(InProcessCluster cluster, params string[] replicas)
    {
        var key = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, string.Empty, null, null, null, [], true, false), None);
        foreach (var replica in replicas)
        {
            await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, replica, string.Empty, string.Empty, [], false, None);
        }

        await cluster.DeliverAllAsync(duplicateRate: 0);
        return key.KeyId;
    }

    private static async Task AssertUnchangedAsync(InProcessCluster cluster, string keyId)
    {
        foreach (var region in cluster.Regions.Keys)
        {
            if (await cluster[region].Store.FindKeyAsync(keyId, None) is { } key)
            {
                Assert.Equal((1L, East), (key.MultiRegion!.Epoch, key.MultiRegion.PrimaryRegion));
                Assert.Equal(region == East, key.IsPrimary);
                Assert.Empty(key.MultiRegion.HandOffs);
            }
        }
    }

    private static async Task<List<string>> RefusalsAsync(InProcessCluster cluster, string region) =>
        [.. (await cluster[region].AuditedAsync()).Where(json => json.Contains("\"errorCode\":\"AccessDeniedException\"", StringComparison.Ordinal))];
}
