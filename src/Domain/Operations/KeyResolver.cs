using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// Finds the key a caller's identifier (key ID, key ARN, alias name or alias ARN) names in this Region and checks that
/// the caller may do <see cref="Access.Action"/> on it (null: a step of an operation already authorized).
/// </summary>
public sealed class KeyResolver(IKeyStore store, RegionIdentity region, AccessControl accessControl)
{
    public async Task<KmsKey> ResolveAsync(string identifier, Access? access, CancellationToken cancellationToken, string field = "keyId")
    {
        var (keyId, alias) = await ResolveReferenceAsync(identifier, cancellationToken, field).ConfigureAwait(false);
        var key = await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false) ?? throw KmsErrors.KeyNotFound(region.KeyArn(keyId));
        if (access is not null)
        {
            await accessControl.AuthorizeAsync(key, access, alias, cancellationToken).ConfigureAwait(false);
        }

        return key;
    }

    /// <summary>The key ID an identifier names, following an alias, without loading the key.</summary>
    public async Task<string> ResolveKeyIdAsync(string identifier, CancellationToken cancellationToken, string field = "keyId") =>
        (await ResolveReferenceAsync(identifier, cancellationToken, field).ConfigureAwait(false)).KeyId;

    /// <summary>The key ID an identifier names and the alias it went through, if any.</summary>
    public async Task<(string KeyId, string? AliasName)> ResolveReferenceAsync(string identifier, CancellationToken cancellationToken,
        string field = "keyId")
    {
        var reference = KeyReference.Parse(identifier, region, field);
        if (reference.AliasName is { } aliasName)
        {
            var alias = await store.FindAliasAsync(aliasName, cancellationToken).ConfigureAwait(false)
                ?? throw KmsErrors.AliasNotFound(region.AliasArn(aliasName));
            return (alias.TargetKeyId, aliasName);
        }

        return (reference.KeyId!, null);
    }
}
