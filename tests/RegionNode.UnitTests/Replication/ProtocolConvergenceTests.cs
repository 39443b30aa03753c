using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// The cross-Region protocol in one process, under random interleavings and redelivered messages: replication,
/// rotation, primary change and deletion all converge to one agreed state, with exactly one primary.
/// </summary>
public sealed class ProtocolConvergenceTests
{
    private const string East = "us-east-1";
    private const string West = "eu-west-1";
    private const string Sydney = "ap-southeast-2";

    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 24));

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task ReplicateRotateHandOffRotate_WithDuplicatesAndAnyOrder_AllRegionsAgree(int seed)
    {
        using var cluster = new InProcessCluster(seed, East, West, Sydney);
        var key = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, "set", null, null, null, [], true, false),
            CancellationToken.None);
        var none = Array.Empty<Tag>();
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, "west", none, false, CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, Sydney, string.Empty, string.Empty, none, false, CancellationToken.None);
        await cluster.DeliverAllAsync();

        await cluster[East].Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, CancellationToken.None);
        await cluster.DeliverAllAsync();
        await cluster[East].Rotation.EnableKeyRotationAsync(Caller.System, key.KeyId, 120, CancellationToken.None);
        await cluster.DeliverAllAsync();

        await cluster[East].MultiRegion.UpdatePrimaryRegionAsync(Caller.System, key.KeyId, West, CancellationToken.None);
        await cluster.DeliverAllAsync();
        await cluster[West].Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, CancellationToken.None);
        await cluster.DeliverAllAsync();
        await cluster.AntiEntropyAsync(TimeSpan.FromMinutes(1));

        var keys = await EveryRegionAsync(cluster, key.KeyId);

        Assert.All(keys, k => Assert.Equal(KeyState.Enabled, k.State));
        Assert.Equal([West], keys.Where(k => k.IsPrimary).Select(k => k.Region));
        Assert.All(keys, k => Assert.Equal(keys[1].Shared() with { Materials = [], ReplicaRegions = [], HandOffs = [] },
            k.Shared() with { Materials = [], ReplicaRegions = [], HandOffs = [] }));
        // Every Region holds the one signed hand-off that moved the primary, and passes it on.
        Assert.All(keys, k => Assert.Equal([(2L, East, West)], k.MultiRegion!.HandOffs.Select(h => (h.Epoch, h.PreviousPrimary, h.NewPrimary))));
        Assert.All(keys, k => Assert.Equal([East, Sydney], k.MultiRegion!.ReplicaRegions.Order().Reverse()));
        Assert.All(keys, k => Assert.Equal(keys[1].Materials.Select(m => (m.MaterialId, m.State)), k.Materials.Select(m => (m.MaterialId, m.State))));
        Assert.Equal(3, keys[1].Materials.Count);
        Assert.All(keys, k => Assert.Equal(keys[1].CurrentMaterial.MaterialId, k.CurrentMaterial.MaterialId));
        Assert.All(keys, k => Assert.True(k.Rotation.Enabled));
        Assert.Equal("west", keys[1].Description);

        // Nothing is left to repeat once everyone acknowledged.
        Assert.All(keys, k => Assert.Null(k.MultiRegion!.NextAttemptDue));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task ImportedMaterial_ReplicasImportTheirOwn_RotationWaitsForEveryRegion_AllAgree(int seed)
    {
        using var cluster = new InProcessCluster(seed, East, West, Sydney);
        var key = await Domain.ImportedMaterialTests.CreateExternalAsync(cluster[East], multiRegion: true);
        var first = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var (_, firstId) = await Domain.ImportedMaterialTests.ImportAsync(cluster[East], key.KeyId, first, model: ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, Sydney, string.Empty, string.Empty, [], false, CancellationToken.None);
        await cluster.DeliverAllAsync();
        foreach (var region in new[] { West, Sydney })
        {
            var replica = (await cluster[region].Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
            Assert.Equal(KeyState.PendingImport, replica.State);
            Assert.Equal([firstId], replica.Materials.Select(m => m.MaterialId));
            Assert.False(replica.Materials[0].IsHeld);
            await Domain.ImportedMaterialTests.ImportAsync(cluster[region], key.KeyId, first);
        }

        var next = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var (_, nextId) = await Domain.ImportedMaterialTests.ImportAsync(cluster[East], key.KeyId, next, type: ImportType.NEW_KEY_MATERIAL);
        await cluster.DeliverAllAsync();
        await Domain.ImportedMaterialTests.ImportAsync(cluster[West], key.KeyId, next);
        await cluster.DeliverAllAsync();
        var waiting = (await cluster[East].Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
        Assert.Equal(KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION, waiting.FindMaterial(nextId)!.State);
        await Domain.ImportedMaterialTests.ImportAsync(cluster[Sydney], key.KeyId, next, materialId: nextId);
        await cluster.DeliverAllAsync();

        await cluster[East].Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, CancellationToken.None);
        await cluster.DeliverAllAsync();
        await cluster.AntiEntropyAsync(TimeSpan.FromMinutes(1));

        var keys = await EveryRegionAsync(cluster, key.KeyId);

        Assert.All(keys, k => Assert.Equal(KeyState.Enabled, k.State));
        Assert.All(keys, k => Assert.Equal(nextId, k.CurrentMaterial.MaterialId));
        Assert.All(keys, k => Assert.Equal([(firstId, KeyMaterialState.NON_CURRENT, true), (nextId, KeyMaterialState.CURRENT, true)],
            k.Materials.Select(m => (m.MaterialId, m.State, m.IsHeld))));
        Assert.All(keys, k => Assert.Null(k.MultiRegion!.NextAttemptDue));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task ReplicaDeleted_PrimaryStopsListingIt_WaitingPrimaryThenStartsItsWindow_ReReplicationRecreates(int seed)
    {
        using var cluster = new InProcessCluster(seed, East, West);
        var key = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, string.Empty, null, null, null, [], true, false),
            CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, CancellationToken.None);
        await cluster.DeliverAllAsync();

        await cluster[East].Lifecycle.ScheduleKeyDeletionAsync(Caller.System, key.KeyId, 7, CancellationToken.None);
        await cluster[West].Lifecycle.ScheduleKeyDeletionAsync(Caller.System, key.KeyId, 7, CancellationToken.None);
        await cluster.DeliverAllAsync();
        Assert.Equal(KeyState.PendingReplicaDeletion, (await cluster[East].Store.FindKeyAsync(key.KeyId, CancellationToken.None))!.State);

        cluster.Clock.Advance(TimeSpan.FromDays(8));
        await cluster[West].Lifecycle.DeleteDueKeysAsync(CancellationToken.None);
        await cluster.DeliverAllAsync();
        var primary = (await cluster[East].Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
        Assert.Equal(KeyState.PendingDeletion, primary.State);
        Assert.Empty(primary.MultiRegion!.ReplicaRegions);
        Assert.Equal(cluster.Clock.GetUtcNow().AddDays(7), primary.DeletionDate);

        // Late repeats about the deleted replica change nothing; replicating again recreates it (after cancelling).
        await cluster.AntiEntropyAsync(TimeSpan.FromMinutes(5));
        Assert.Null(await cluster[West].Store.FindKeyAsync(key.KeyId, CancellationToken.None));
        await cluster[East].Lifecycle.CancelKeyDeletionAsync(Caller.System, key.KeyId, CancellationToken.None);
        await cluster[East].Lifecycle.EnableKeyAsync(Caller.System, key.KeyId, CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, CancellationToken.None);
        await cluster.DeliverAllAsync();
        var recreated = (await cluster[West].Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
        Assert.Equal(KeyState.Enabled, recreated.State);
        Assert.Equal(primary.Materials.Select(m => m.MaterialId), recreated.Materials.Select(m => m.MaterialId));
    }

    [Fact]
    public async Task SharedStateFromARegionThatIsNotItsPrimary_Ignored()
    {
        using var cluster = new InProcessCluster(1, East, West, Sydney);
        var key = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, string.Empty, null, null, null, [], true, false),
            CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, CancellationToken.None);
        await cluster.DeliverAllAsync();
        var west = (await cluster[West].Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
        var forged = west.Shared() with { SyncVersion = 99, PrimaryRegion = Sydney, RotationEnabled = true };

        var reason = await cluster[West].Receiver.ReceiveAsync(East, key.KeyId, new SharedStateMessage(forged), CancellationToken.None);
        Assert.NotNull(reason);
        reason = await cluster[West].Receiver.ReceiveAsync(Sydney, key.KeyId, new CreateReplicaMessage(forged, new ReplicaCreation("", "{}", [])),
            CancellationToken.None);
        Assert.NotNull(reason);
        var after = (await cluster[West].Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
        Assert.Equal(East, after.MultiRegion!.PrimaryRegion);
        Assert.False(after.Rotation.Enabled);
        Assert.Equal(KmsErrorCodes.UnsupportedOperation, (await Assert.ThrowsAsync<KmsException>(() =>
            cluster[West].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, Sydney, string.Empty, string.Empty, [], false, CancellationToken.None))).ErrorCode);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RotationJustBeforeAHandOff_TheNewPrimaryFetchesTheVersion_AllRegionsHoldTheSame(int seed)
    {
        using var cluster = new InProcessCluster(seed, East, West, Sydney);
        var key = await cluster[East].Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, string.Empty, null, null, null, [], true, false),
            CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, CancellationToken.None);
        await cluster[East].MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, Sydney, string.Empty, string.Empty, [], false, CancellationToken.None);
        await cluster.DeliverAllAsync();

        // A rotation and, before any Region has heard of it, the hand-off: only East holds the new version when West
        // takes the role, and every message may arrive in any order from here.
        await cluster[East].Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, CancellationToken.None);
        await cluster[East].MultiRegion.UpdatePrimaryRegionAsync(Caller.System, key.KeyId, West, CancellationToken.None);
        await cluster.DeliverAllAsync();
        await cluster.AntiEntropyAsync(TimeSpan.FromMinutes(1));
        await cluster.AntiEntropyAsync(TimeSpan.FromMinutes(5));

        var keys = await EveryRegionAsync(cluster, key.KeyId);
        Assert.Equal([West], keys.Where(k => k.IsPrimary).Select(k => k.Region));
        Assert.All(keys, k => Assert.Equal(2, k.Materials.Count));
        Assert.All(keys, k => Assert.Equal(keys[1].Materials.Select(m => (m.MaterialId, m.State)), k.Materials.Select(m => (m.MaterialId, m.State))));
        Assert.All(keys, k => Assert.Equal(keys[1].CurrentMaterial.MaterialId, k.CurrentMaterial.MaterialId));
    }

    private static async Task<List<KmsKey>> EveryRegionAsync(InProcessCluster cluster, string keyId)
    {
        var keys = new List<KmsKey>();
        foreach (var region in new[] { East, West, Sydney })
        {
            keys.Add((await cluster[region].Store.FindKeyAsync(keyId, CancellationToken.None))!);
        }

        return keys;
    }
}
