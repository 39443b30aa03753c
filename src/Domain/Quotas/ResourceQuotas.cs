namespace Grpc.Mrk.RegionNode.Domain.Quotas;

/// <summary>
/// AWS KMS's resource quotas with their defaults (AWS KMS Developer Guide, "Resource quotas"): creating a resource
/// beyond one is refused with LimitExceededException and changes nothing. Each is per Region.
/// </summary>
public sealed record ResourceQuotas
{
    public static ResourceQuotas AwsDefaults { get; } = new();

    /// <summary>KMS keys of every type and state, replicas included.</summary>
    public int KeysPerRegion { get; init; } = 100_000;

    public int Aliases { get; init; } = 50_000;

    public int GrantsPerKey { get; init; } = 50_000;

    /// <summary>Grants on one key that name the same grantee principal.</summary>
    public int GrantsPerPrincipalPerKey { get; init; } = 500;

    /// <summary>The largest key policy document, in bytes of UTF-8.</summary>
    public int KeyPolicyBytes { get; init; } = 32_768;

    public int TagsPerKey { get; init; } = 50;

    /// <summary>Each quota by its setting name, for checks and documentation.</summary>
    public IReadOnlyDictionary<string, int> BySetting => new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [nameof(KeysPerRegion)] = KeysPerRegion, [nameof(Aliases)] = Aliases, [nameof(GrantsPerKey)] = GrantsPerKey,
        [nameof(GrantsPerPrincipalPerKey)] = GrantsPerPrincipalPerKey, [nameof(KeyPolicyBytes)] = KeyPolicyBytes, [nameof(TagsPerKey)] = TagsPerKey,
    };
}
