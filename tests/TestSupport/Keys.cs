using Grpc.Mrk.V1;

namespace Grpc.Mrk.TestSupport;

/// <summary>Short ways to make keys in tests.</summary>
public static class Keys
{
    public static async Task<KeyMetadata> CreateAsync(this INodeUnderTest node, KeySpec spec = KeySpec.SymmetricDefault,
        KeyUsageType usage = KeyUsageType.Unspecified, bool multiRegion = false, string description = "")
    {
        var response = await node.Kms.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = spec,
            KeyUsage = usage,
            MultiRegion = multiRegion,
            Description = description,
        }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        return response.KeyMetadata;
    }
}
