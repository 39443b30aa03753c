using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.UnitTests.Domain;

public sealed class KmsKeyTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static KmsKey NewKey(KeySpec spec = KeySpec.SYMMETRIC_DEFAULT, KeyUsage usage = KeyUsage.ENCRYPT_DECRYPT,
        KeyState state = KeyState.Enabled, MultiRegionInfo? multiRegion = null, string region = "us-east-1")
    {
        const string keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
        var material = new KeyMaterialVersion(new string('a', 64), 0, Now, null, KeyMaterialState.CURRENT, [1, 2, 3]);
        return new KmsKey(keyId, $"arn:aws:kms:{region}:111122223333:key/{keyId}", Now, spec, usage, KeyOrigin.AWS_KMS, state,
            string.Empty, "{}", [], multiRegion, [material]);
    }

    private static KeyMaterialVersion Version(int ordinal, RotationType type) =>
        new(ordinal.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), ordinal, Now.AddDays(ordinal), type,
            KeyMaterialState.CURRENT, [9]);

    [Fact]
    public void ScheduleDeletion_EnabledKey_PendingDeletionWithDate()
    {
        var key = NewKey();
        key.ScheduleDeletion(Now, 7);
        Assert.Equal(KeyState.PendingDeletion, key.State);
        Assert.Equal(Now.AddDays(7), key.DeletionDate);
    }

    [Fact]
    public void ScheduleDeletion_PrimaryWithReplicas_PendingReplicaDeletionWithoutDate()
    {
        var key = NewKey(multiRegion: new MultiRegionInfo("us-east-1", ["eu-west-1"], 1, 1));
        key.ScheduleDeletion(Now, 10);
        Assert.Equal(KeyState.PendingReplicaDeletion, key.State);
        Assert.Null(key.DeletionDate);
        Assert.Equal(10, key.PendingWindowInDays);
    }

    [Fact]
    public void CancelDeletion_PendingKey_BecomesDisabled()
    {
        var key = NewKey();
        key.ScheduleDeletion(Now, 7);
        key.CancelDeletion();
        Assert.Equal(KeyState.Disabled, key.State);
        Assert.Null(key.DeletionDate);
    }

    [Fact]
    public void Rotate_OnDemand_MakesNewVersionCurrentAndKeepsOld()
    {
        var key = NewKey();
        var first = key.CurrentMaterial;
        key.Rotate(Version(1, RotationType.ON_DEMAND), Now);
        Assert.Equal(KeyMaterialState.NON_CURRENT, first.State);
        Assert.Equal(1, key.CurrentMaterial.Ordinal);
        Assert.Equal(2, key.Materials.Count);
        Assert.Equal(Now, key.Rotation.OnDemandRotationStartDate);
    }

    [Fact]
    public void Rotate_MoreThan25OnDemand_LimitExceeded()
    {
        var key = NewKey();
        for (var i = 1; i <= KmsKey.MaxOnDemandRotations; i++)
        {
            key.Rotate(Version(i, RotationType.ON_DEMAND), Now);
        }

        var error = Assert.Throws<KmsException>(() => key.Rotate(Version(26, RotationType.ON_DEMAND), Now));
        Assert.Equal(KmsErrorCodes.LimitExceeded, error.ErrorCode);
        Assert.Equal(26, key.Materials.Count);
    }

    [Theory]
    [InlineData(KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY)]
    [InlineData(KeySpec.HMAC_256, KeyUsage.GENERATE_VERIFY_MAC)]
    [InlineData(KeySpec.ECC_NIST_P256, KeyUsage.KEY_AGREEMENT)]
    public void EnableRotation_NonSymmetricKey_Unsupported(KeySpec spec, KeyUsage usage)
    {
        var key = NewKey(spec, usage);
        var error = Assert.Throws<KmsException>(() => key.EnableRotation(Now, 365));
        Assert.Equal(KmsErrorCodes.UnsupportedOperation, error.ErrorCode);
        Assert.False(key.Rotation.Enabled);
    }

    [Fact]
    public void EnableRotation_Symmetric_NextRotationOnePeriodAfterLastMaterial()
    {
        var key = NewKey();
        key.EnableRotation(Now.AddDays(3), 90);
        Assert.True(key.Rotation.Enabled);
        Assert.Equal(Now.AddDays(90), key.Rotation.NextRotationDate);
    }

    [Fact]
    public void Tag_MoreThanFifty_LimitExceeded()
    {
        var key = NewKey();
        key.Tag(Enumerable.Range(0, 50).Select(i => new Tag($"k{i}", "v")).ToList(), 50);
        var error = Assert.Throws<KmsException>(() => key.Tag([new Tag("one-more", "v")], 50));
        Assert.Equal(KmsErrorCodes.LimitExceeded, error.ErrorCode);
    }

    [Fact]
    public void RequireUsage_WrongUsage_InvalidKeyUsage()
    {
        var key = NewKey(KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY);
        var error = Assert.Throws<KmsException>(() => key.RequireUsage(KeyUsage.ENCRYPT_DECRYPT, "Encrypt"));
        Assert.Equal(KmsErrorCodes.InvalidKeyUsage, error.ErrorCode);
    }

    private static readonly ReplicaCreation Creation = new(string.Empty, "{}", []);

    [Fact]
    public void AddReplica_Primary_ListsTheReplicaAndBumpsSyncVersion()
    {
        var key = NewKey(multiRegion: new MultiRegionInfo("us-east-1", [], 1, 1));
        key.AddReplica("eu-west-1", Creation);
        Assert.Equal(["eu-west-1"], key.MultiRegion!.ReplicaRegions);
        Assert.Equal(2, key.MultiRegion.SyncVersion);
        var again = Assert.Throws<KmsException>(() => key.AddReplica("eu-west-1", Creation));
        Assert.Equal(KmsErrorCodes.AlreadyExists, again.ErrorCode);
        Assert.Equal(KmsErrorCodes.Validation, Assert.Throws<KmsException>(() => key.AddReplica("us-east-1", Creation)).ErrorCode);
    }

    [Fact]
    public void AddReplica_SingleRegionKeyOrReplica_Unsupported()
    {
        Assert.Equal(KmsErrorCodes.UnsupportedOperation, Assert.Throws<KmsException>(() => NewKey().AddReplica("eu-west-1", Creation)).ErrorCode);
        var replica = NewKey(multiRegion: new MultiRegionInfo("us-east-1", ["eu-west-1"], 1, 2), region: "eu-west-1");
        Assert.Equal(KmsErrorCodes.UnsupportedOperation, Assert.Throws<KmsException>(() => replica.AddReplica("ap-southeast-2", Creation)).ErrorCode);
    }

    [Theory]
    [InlineData(KeyState.Disabled, "DisabledException")]
    [InlineData(KeyState.PendingDeletion, "KMSInvalidStateException")]
    [InlineData(KeyState.Creating, "KMSInvalidStateException")]
    [InlineData(KeyState.Updating, "KMSInvalidStateException")]
    public void AddReplica_PrimaryNotEnabled_RefusedAndUnchanged(KeyState state, string expected)
    {
        var key = NewKey(state: state, multiRegion: new MultiRegionInfo("us-east-1", [], 1, 1));
        Assert.Equal(expected, Assert.Throws<KmsException>(() => key.AddReplica("eu-west-1", Creation)).ErrorCode);
        Assert.Empty(key.MultiRegion!.ReplicaRegions);
        Assert.Equal(1, key.MultiRegion.SyncVersion);
    }
}
