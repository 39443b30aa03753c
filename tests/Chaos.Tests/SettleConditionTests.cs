using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>
/// When the checker may call a set settled. Checking a set too early reports a replica or a rotation still on its way
/// as lost; these cases come from runs in which the relay queue was empty while a replica's creation still waited in its
/// primary's outbox.
/// </summary>
public sealed class SettleConditionTests
{
    private const string KeyId = "mrk-0123456789abcdef0123456789abcdef";

    [Fact]
    public void AReplicaThePrimaryLists_ButItsRegionDoesNotHoldYet_IsNotSettled()
    {
        var view = new Dictionary<string, KeyMetadata> { ["eu-west-1"] = Key("eu-west-1", "eu-west-1", ["ap-southeast-2"]) };

        Assert.Equal($"{KeyId}: its primary lists [ap-southeast-2], which do not hold it yet", InvariantChecker.Unsettled(KeyId, view));
    }

    [Fact]
    public void EveryListedRegionHolding_TheSameView_IsSettled()
    {
        var view = new Dictionary<string, KeyMetadata>
        {
            ["eu-west-1"] = Key("eu-west-1", "eu-west-1", ["ap-southeast-2"]),
            ["ap-southeast-2"] = Key("ap-southeast-2", "eu-west-1", ["ap-southeast-2"]),
        };

        Assert.Null(InvariantChecker.Unsettled(KeyId, view));
    }

    [Fact]
    public void AReplicaStillCreating_OrAViewThatDiffers_IsNotSettled()
    {
        var creating = Key("ap-southeast-2", "eu-west-1", ["ap-southeast-2"]);
        creating.KeyState = KeyState.Creating;
        var view = new Dictionary<string, KeyMetadata> { ["eu-west-1"] = Key("eu-west-1", "eu-west-1", ["ap-southeast-2"]), ["ap-southeast-2"] = creating };
        Assert.Contains("is Creating in", InvariantChecker.Unsettled(KeyId, view), StringComparison.Ordinal);

        var behind = Key("ap-southeast-2", "eu-west-1", ["ap-southeast-2"]);
        behind.CurrentKeyMaterialId = "older";
        view["ap-southeast-2"] = behind;
        Assert.Equal($"{KeyId}: Regions disagree", InvariantChecker.Unsettled(KeyId, view));
    }

    private static KeyMetadata Key(string region, string primary, string[] replicas)
    {
        var configuration = new MultiRegionConfiguration
        {
            MultiRegionKeyType = region == primary ? MultiRegionKeyType.Primary : MultiRegionKeyType.Replica,
            PrimaryKey = new MultiRegionKey { Region = primary, Arn = Arn(primary) },
        };
        configuration.ReplicaKeys.AddRange(replicas.Select(r => new MultiRegionKey { Region = r, Arn = Arn(r) }));
        return new KeyMetadata
        {
            KeyId = KeyId, Arn = Arn(region), KeyState = KeyState.Enabled, MultiRegion = true, CurrentKeyMaterialId = "current",
            MultiRegionConfiguration = configuration,
        };
    }

    private static string Arn(string region) => $"arn:aws:kms:{region}:111122223333:key/{KeyId}";
}
