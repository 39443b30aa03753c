using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Finds the key a caller's identifier (key ID, key ARN, alias name or alias ARN) names in this Region.</summary>
public sealed class KeyResolver(IKeyStore store, RegionIdentity region)
{
    public async Task<KmsKey> ResolveAsync(string identifier, CancellationToken cancellationToken, string field = "keyId")
    {
        var reference = KeyReference.Parse(identifier, region, field);
        var keyId = reference.KeyId;
        if (reference.AliasName is { } aliasName)
        {
            var alias = await store.FindAliasAsync(aliasName, cancellationToken).ConfigureAwait(false)
                ?? throw KmsErrors.AliasNotFound(region.AliasArn(aliasName));
            keyId = alias.TargetKeyId;
        }

        return await store.FindKeyAsync(keyId!, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.KeyNotFound(region.KeyArn(keyId!));
    }

    /// <summary>The key ID an identifier names, following an alias, without loading the key.</summary>
    public async Task<string> ResolveKeyIdAsync(string identifier, CancellationToken cancellationToken, string field = "keyId")
    {
        var reference = KeyReference.Parse(identifier, region, field);
        if (reference.AliasName is { } aliasName)
        {
            var alias = await store.FindAliasAsync(aliasName, cancellationToken).ConfigureAwait(false)
                ?? throw KmsErrors.AliasNotFound(region.AliasArn(aliasName));
            return alias.TargetKeyId;
        }

        return reference.KeyId!;
    }
}
