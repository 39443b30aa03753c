namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>
/// The condition keys this service sets, by name, and which of them hold several values in one request. Policies may
/// name other keys (they are then absent from every request); ForAllValues on a key known to hold one value is refused.
/// docs/security.md lists for which operations each key is set.
/// </summary>
public static class ConditionKeyCatalog
{
    /// <summary>Keys that may hold several values in one request: only these take ForAllValues/ForAnyValue.</summary>
    public static readonly IReadOnlySet<string> MultiValued = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "kms:EncryptionContextKeys", "kms:GrantOperations", "kms:ResourceAliases", "aws:TagKeys",
    };

    /// <summary>Keys of one value that the service sets, besides the families in <see cref="SingleValuedFamilies"/>.</summary>
    public static readonly IReadOnlySet<string> SingleValued = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "aws:CurrentTime", "aws:EpochTime", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalType", "aws:RequestedRegion",
        "aws:SecureTransport", "aws:SourceIp", "aws:userid", "aws:username",
        "kms:BypassPolicyLockoutSafetyCheck", "kms:CallerAccount", "kms:CustomerMasterKeySpec", "kms:CustomerMasterKeyUsage",
        "kms:DataKeyPairSpec", "kms:EncryptionAlgorithm", "kms:ExpirationModel", "kms:GrantConstraintType", "kms:GranteePrincipal",
        "kms:KeyAgreementAlgorithm", "kms:KeyOrigin", "kms:KeySpec", "kms:KeyUsage", "kms:MacAlgorithm", "kms:MessageType",
        "kms:MultiRegion", "kms:MultiRegionKeyType", "kms:PrimaryRegion", "kms:ReEncryptOnSameKey", "kms:ReplicaRegion",
        "kms:RequestAlias", "kms:RetiringPrincipal", "kms:RotationPeriodInDays", "kms:ScheduleKeyDeletionPendingWindowInDays",
        "kms:SigningAlgorithm", "kms:ValidTo", "kms:WrappingAlgorithm", "kms:WrappingKeySpec",
    };

    /// <summary>Families of keys, one value each: a pair of the encryption context, a tag of the request or of the key.</summary>
    public static readonly IReadOnlyList<string> SingleValuedFamilies = ["kms:EncryptionContext:", "aws:RequestTag/", "aws:ResourceTag/"];

    public static bool IsSingleValued(string key) =>
        !MultiValued.Contains(key)
        && (SingleValued.Contains(key) || SingleValuedFamilies.Any(f => key.StartsWith(f, StringComparison.OrdinalIgnoreCase)));
}
