using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// The one read-modify-write path for a key: load under the key's lock, check the caller's access, apply a guarded
/// change, store (with the change's messages to other Regions, in one transaction).
/// </summary>
public sealed class KeyChanges(IKeyStore store, KeyResolver resolver, KeyLocks locks, AccessControl accessControl, RegionIdentity region)
{
    public Task<KmsKey> ChangeAsync(string keyIdentifier, Access access, Action<KmsKey> change, CancellationToken cancellationToken) =>
        ChangeAsync(keyIdentifier, access, key =>
        {
            change(key);
            return [];
        }, cancellationToken);

    public async Task<KmsKey> ChangeAsync(string keyIdentifier, Access access, Func<KmsKey, IReadOnlyList<OutgoingMessage>> change,
        CancellationToken cancellationToken)
    {
        var (keyId, alias) = await resolver.ResolveReferenceAsync(keyIdentifier, cancellationToken).ConfigureAwait(false);
        return await ChangeByIdAsync(keyId, change, key => accessControl.AuthorizeAsync(key, access, alias, cancellationToken), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>A change with a check that reads more than the key (after the access check, under the key's lock).</summary>
    public async Task<KmsKey> ChangeAsync(string keyIdentifier, Access access, Func<KmsKey, Task> check, Action<KmsKey> change,
        CancellationToken cancellationToken)
    {
        var (keyId, alias) = await resolver.ResolveReferenceAsync(keyIdentifier, cancellationToken).ConfigureAwait(false);
        return await ChangeByIdAsync(keyId, key =>
        {
            change(key);
            return [];
        }, async key =>
        {
            await accessControl.AuthorizeAsync(key, access, alias, cancellationToken).ConfigureAwait(false);
            await check(key).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A change the node makes by itself (maintenance, replication): no caller, no policy check.</summary>
    public Task<KmsKey> ChangeByIdAsync(string keyId, Func<KmsKey, IReadOnlyList<OutgoingMessage>> change, CancellationToken cancellationToken) =>
        ChangeByIdAsync(keyId, change, null, cancellationToken);

    private async Task<KmsKey> ChangeByIdAsync(string keyId, Func<KmsKey, IReadOnlyList<OutgoingMessage>> change, Func<KmsKey, Task>? authorize,
        CancellationToken cancellationToken)
    {
        using var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        var key = await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.KeyNotFound(region.KeyArn(keyId));
        if (authorize is not null)
        {
            await authorize(key).ConfigureAwait(false);
        }

        var outgoing = change(key);
        await store.UpdateKeyAsync(key, outgoing, cancellationToken).ConfigureAwait(false);
        return key;
    }
}
