using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;
using static Grpc.Mrk.RegionNode.UnitTests.Domain.KmsKeyTests;

namespace Grpc.Mrk.RegionNode.UnitTests.Domain;

/// <summary>The multi-Region rules of a key in isolation: ordered idempotent sync, two-phase rotation, hand-off, replica removal.</summary>
public sealed class MultiRegionKeyTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static KmsKey Primary(params string[] replicas) => NewKey(multiRegion: new MultiRegionInfo("us-east-1", replicas, 1, 1));

    private static KmsKey Replica() => NewKey(multiRegion: new MultiRegionInfo("us-east-1", ["eu-west-1"], 1, 1), region: "eu-west-1");

    private static SharedState State(long epoch, long sync, string primary = "us-east-1", bool rotation = false, params MaterialInfo[] materials) =>
        new(epoch, sync, primary, ["eu-west-1"], KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT, KeyOrigin.AWS_KMS, rotation,
            rotation ? 90 : null, rotation ? Now.AddDays(90) : null, null, materials);

    private static KeyMaterialVersion Version(int ordinal, KeyMaterialState state) =>
        new(ordinal.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), ordinal, Now.AddDays(ordinal), RotationType.ON_DEMAND, state, [7]);

    [Fact]
    public void ApplyShared_OnlyNewerStates_InEpochThenSyncOrder_AndRepeatsChangeNothing()
    {
        var replica = Replica();
        Assert.True(replica.ApplyShared(State(1, 3, rotation: true)));
        Assert.True(replica.Rotation.Enabled);
        Assert.False(replica.ApplyShared(State(1, 3)));
        Assert.False(replica.ApplyShared(State(1, 2)));
        Assert.True(replica.Rotation.Enabled);
        Assert.True(replica.ApplyShared(State(2, 1, primary: "ap-southeast-2")));
        Assert.Equal("ap-southeast-2", replica.MultiRegion!.PrimaryRegion);
        Assert.Equal((2L, 1L), (replica.MultiRegion.Epoch, replica.MultiRegion.SyncVersion));
        Assert.False(replica.ApplyShared(State(1, 99)));
    }

    [Fact]
    public void Rotation_WithReplicas_PendingUntilEveryReplicaHoldsIt_ThenCurrent()
    {
        var key = Primary("eu-west-1", "ap-southeast-2");
        var original = key.CurrentMaterial.MaterialId;
        key.Rotate(Version(1, KeyMaterialState.CURRENT), Now);
        var pending = key.Materials[^1];
        Assert.Equal(KeyMaterialState.PENDING_ROTATION, pending.State);
        Assert.Equal(original, key.CurrentMaterial.MaterialId);
        Assert.Equal(KmsErrorCodes.Conflict, Assert.Throws<KmsException>(() => key.Rotate(Version(2, KeyMaterialState.CURRENT), Now)).ErrorCode);

        var mr = key.MultiRegion!;
        Assert.False(key.RecordAck("eu-west-1", new SyncAckMessage(mr.Epoch, mr.SyncVersion, key.MaterialIds, KeyState.Enabled)));
        Assert.False(key.RecordAck("ap-southeast-2", new SyncAckMessage(mr.Epoch, mr.SyncVersion, [original], KeyState.Enabled)));
        Assert.Equal(KeyMaterialState.PENDING_ROTATION, pending.State);
        Assert.False(key.RecordAck("sa-east-1", new SyncAckMessage(mr.Epoch, mr.SyncVersion, key.MaterialIds, KeyState.Enabled)));

        var sync = mr.SyncVersion;
        Assert.True(key.RecordAck("ap-southeast-2", new SyncAckMessage(mr.Epoch, mr.SyncVersion, key.MaterialIds, KeyState.Enabled)));
        Assert.Equal(pending.MaterialId, key.CurrentMaterial.MaterialId);
        Assert.Equal(KeyMaterialState.NON_CURRENT, key.FindMaterial(original)!.State);
        Assert.Equal(sync + 1, mr.SyncVersion);
    }

    [Fact]
    public void Rotation_WithoutReplicas_CurrentAtOnce()
    {
        var key = Primary();
        key.Rotate(Version(1, KeyMaterialState.CURRENT), Now);
        Assert.Equal(KeyMaterialState.CURRENT, key.Materials[^1].State);
    }

    [Fact]
    public void AddTransported_CreatingReplicaBecomesEnabled_StatesFollowOnlyANewerSender()
    {
        var key = new KmsKey("mrk-1", "arn:aws:kms:eu-west-1:111122223333:key/mrk-1", Now, KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT,
            KeyOrigin.AWS_KMS, KeyState.Creating, string.Empty, "{}", [], new MultiRegionInfo("us-east-1", ["eu-west-1"], 1, 5), []);
        key.AddTransported([Version(0, KeyMaterialState.CURRENT), Version(1, KeyMaterialState.PENDING_ROTATION)], 1, 5);
        Assert.Equal(KeyState.Enabled, key.State);
        Assert.Equal(2, key.Materials.Count);

        // An older transfer may not move states backwards.
        key.ApplyShared(State(1, 6, materials: [new MaterialInfo(Version(1, 0).MaterialId, 1, Now, RotationType.ON_DEMAND, KeyMaterialState.CURRENT)]));
        key.AddTransported([Version(1, KeyMaterialState.PENDING_ROTATION)], 1, 5);
        Assert.Equal(KeyMaterialState.CURRENT, key.Materials[1].State);
    }

    [Fact]
    public void HandOff_PrimaryBecomesUpdatingReplica_RestoredWhenTheNewEpochArrives()
    {
        var key = Primary("eu-west-1", "ap-southeast-2");
        key.RecordAck("eu-west-1", new SyncAckMessage(1, 1, key.MaterialIds, KeyState.Enabled));
        var promoted = key.BeginHandOff("eu-west-1", "arn:aws:kms:eu-west-1:111122223333:key/x", Sign("eu-west-1"));
        Assert.Equal((2L, 2L, "eu-west-1"), (promoted.Epoch, promoted.SyncVersion, promoted.PrimaryRegion));
        Assert.Equal(["ap-southeast-2", "us-east-1"], promoted.ReplicaRegions.Order());
        Assert.Equal(KeyState.Updating, key.State);
        Assert.False(key.IsPrimary);
        Assert.True(key.IsHandingOff);

        Assert.False(key.ApplyShared(promoted with { Epoch = 1, SyncVersion = 1 }));
        Assert.True(key.ApplyShared(promoted));
        Assert.Equal(KeyState.Enabled, key.State);
        Assert.False(key.IsHandingOff);
    }

    [Fact]
    public void HandOff_Refused_PrimaryAgainInItsEarlierState()
    {
        var key = Primary("eu-west-1");
        key.Disable();
        Assert.Equal(KmsErrorCodes.Disabled, Assert.Throws<KmsException>(() => key.BeginHandOff("eu-west-1", "arn", Sign("eu-west-1"))).ErrorCode);
        key.Enable();
        key.BeginHandOff("eu-west-1", "arn", Sign("eu-west-1"));
        var decline = new HandOff(3, "eu-west-1", "us-east-1", [1]);
        Assert.False(key.HandOffRefused(epoch: 7, decline));
        Assert.False(key.HandOffRefused(epoch: 1, decline with { Epoch = 2 }));
        Assert.False(key.HandOffRefused(epoch: 1, decline with { PreviousPrimary = "ap-southeast-2" }));
        Assert.False(key.HandOffRefused(epoch: 1, decline with { NewPrimary = "ap-southeast-2" }));
        Assert.True(key.HandOffRefused(epoch: 1, decline));
        Assert.True(key.IsPrimary);
        Assert.Equal(KeyState.Enabled, key.State);
        Assert.Equal(["eu-west-1"], key.MultiRegion!.ReplicaRegions);
        // The primary resumes under the decline's epoch, so the hand-off it offered can never be taken up later.
        Assert.Equal(3, key.MultiRegion.Epoch);
        Assert.Equal([2L, 3L], key.MultiRegion.HandOffs.Select(h => h.Epoch));
    }

    [Fact]
    public void HandOff_TargetKnownDisabledOrNotAReplica_Refused()
    {
        var key = Primary("eu-west-1");
        key.RecordAck("eu-west-1", new SyncAckMessage(1, 1, key.MaterialIds, KeyState.Disabled));
        Assert.Equal(KmsErrorCodes.Disabled, Assert.Throws<KmsException>(() => key.BeginHandOff("eu-west-1", "arn", Sign("eu-west-1"))).ErrorCode);
        Assert.Equal(KmsErrorCodes.NotFound, Assert.Throws<KmsException>(() => key.BeginHandOff("ap-southeast-2", "arn", Sign("ap-southeast-2"))).ErrorCode);
        Assert.Equal(KmsErrorCodes.UnsupportedOperation, Assert.Throws<KmsException>(() => Replica().BeginHandOff("us-east-1", "arn", Sign("us-east-1"))).ErrorCode);
        Assert.Equal(KeyState.Enabled, key.State);
        Assert.True(key.IsPrimary);
    }

    [Fact]
    public void RemoveReplica_LastOne_StartsThePrimarysWaitingPeriod()
    {
        var key = Primary("eu-west-1", "ap-southeast-2");
        key.ScheduleDeletion(Now, 7);
        Assert.Equal(KeyState.PendingReplicaDeletion, key.State);
        Assert.True(key.RemoveReplica("eu-west-1", Now));
        Assert.False(key.RemoveReplica("eu-west-1", Now));
        Assert.Equal(KeyState.PendingReplicaDeletion, key.State);
        Assert.True(key.RemoveReplica("ap-southeast-2", Now.AddDays(3)));
        Assert.Equal(KeyState.PendingDeletion, key.State);
        Assert.Equal(Now.AddDays(10), key.DeletionDate);
    }

    [Fact]
    public void Replica_RefusesSharedSettingChanges()
    {
        var replica = Replica();
        Assert.Equal(KmsErrorCodes.UnsupportedOperation, Assert.Throws<KmsException>(() => replica.EnableRotation(Now, 90)).ErrorCode);
        Assert.Equal(KmsErrorCodes.UnsupportedOperation, Assert.Throws<KmsException>(() => replica.Rotate(Version(1, KeyMaterialState.CURRENT), Now)).ErrorCode);
        replica.RequireRotationSupported(KeyOperation.GetKeyRotationStatus);
    }

    /// <summary>A hand-off from this test's primary (us-east-1) to <paramref name="target"/>; its signature is not checked here.</summary>
    private static Func<long, HandOff> Sign(string target) => epoch => new HandOff(epoch, "us-east-1", target, [1]);
}
