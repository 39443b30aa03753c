using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>The one read-modify-write path for a key: load under the key's lock, apply a guarded change, store.</summary>
public sealed class KeyChanges(IKeyStore store, KeyResolver resolver, KeyLocks locks, RegionIdentity region)
{
    public async Task<KmsKey> ChangeAsync(string keyIdentifier, Action<KmsKey> change, CancellationToken cancellationToken)
    {
        var keyId = await resolver.ResolveKeyIdAsync(keyIdentifier, cancellationToken).ConfigureAwait(false);
        return await ChangeByIdAsync(keyId, change, cancellationToken).ConfigureAwait(false);
    }

    public Task<KmsKey> ChangeByIdAsync(string keyId, Action<KmsKey> change, CancellationToken cancellationToken) =>
        ChangeByIdAsync(keyId, key =>
        {
            change(key);
            return [];
        }, cancellationToken);

    /// <summary>A change whose messages to other Regions (<paramref name="change"/>'s result) commit with it.</summary>
    public async Task<KmsKey> ChangeAsync(string keyIdentifier, Func<KmsKey, IReadOnlyList<OutgoingMessage>> change, CancellationToken cancellationToken)
    {
        var keyId = await resolver.ResolveKeyIdAsync(keyIdentifier, cancellationToken).ConfigureAwait(false);
        return await ChangeByIdAsync(keyId, change, cancellationToken).ConfigureAwait(false);
    }

    public async Task<KmsKey> ChangeByIdAsync(string keyId, Func<KmsKey, IReadOnlyList<OutgoingMessage>> change, CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        var key = await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.KeyNotFound(region.KeyArn(keyId));
        var outgoing = change(key);
        await store.UpdateKeyAsync(key, outgoing, cancellationToken).ConfigureAwait(false);
        return key;
    }
}
