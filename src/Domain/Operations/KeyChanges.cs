using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// The one write path for keys and aliases: every change opens a <see cref="KeyChange"/> (or an
/// <see cref="AliasChange"/>) here, which loads under the lock and commits once. The ChangeAsync forms are the common
/// case: resolve, load, check the caller's access, apply a guarded change, store (with the change's messages to other
/// Regions, in one transaction).
/// </summary>
public sealed class KeyChanges(IKeyStore store, KeyResolver resolver, KeyLocks locks, AccessControl accessControl, RegionIdentity region)
{
    private const string AliasTableLock = "alias-table";

    /// <summary>
    /// Takes the key's lock and loads the key (null when this Region holds none by that ID) for one change, made by
    /// <paramref name="caller"/>: its audit record is stored with the change.
    /// </summary>
    public Task<KeyChange> OpenAsync(string keyId, Caller caller, CancellationToken cancellationToken) =>
        OpenAsync(keyId, caller, WriteDurability.Immediate, cancellationToken);

    /// <summary>
    /// A change that applies another Region's message: made by the service itself, and flushed to disk with the inbox's
    /// record of the message as applied, which comes before the message is acknowledged (<see cref="WriteDurability.WithNextFlush"/>).
    /// </summary>
    public Task<KeyChange> OpenForReplicationAsync(string keyId, CancellationToken cancellationToken) =>
        OpenAsync(keyId, Caller.System, WriteDurability.WithNextFlush, cancellationToken);

    private async Task<KeyChange> OpenAsync(string keyId, Caller caller, WriteDurability durability, CancellationToken cancellationToken)
    {
        var held = await locks.AcquireAsync(keyId, cancellationToken).ConfigureAwait(false);
        try
        {
            return new KeyChange(store, keyId, await store.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false), caller.Record, durability, held);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>Takes the alias table's lock for one change to it, made by <paramref name="caller"/>.</summary>
    public async Task<AliasChange> OpenAliasesAsync(Caller caller, CancellationToken cancellationToken) =>
        new(store, caller.Record, await locks.AcquireAsync(AliasTableLock, cancellationToken).ConfigureAwait(false));

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
        return await ChangeByIdAsync(keyId, access.Caller, change, key => accessControl.AuthorizeAsync(key, access, alias, cancellationToken),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A change with a check that reads more than the key (after the access check, under the key's lock).</summary>
    public async Task<KmsKey> ChangeAsync(string keyIdentifier, Access access, Func<KmsKey, Task> check, Action<KmsKey> change,
        CancellationToken cancellationToken)
    {
        var (keyId, alias) = await resolver.ResolveReferenceAsync(keyIdentifier, cancellationToken).ConfigureAwait(false);
        return await ChangeByIdAsync(keyId, access.Caller, key =>
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
        ChangeByIdAsync(keyId, Caller.System, change, null, cancellationToken);

    private async Task<KmsKey> ChangeByIdAsync(string keyId, Caller caller, Func<KmsKey, IReadOnlyList<OutgoingMessage>> change,
        Func<KmsKey, Task>? authorize, CancellationToken cancellationToken)
    {
        using var opened = await OpenAsync(keyId, caller, cancellationToken).ConfigureAwait(false);
        var key = opened.Key ?? throw KmsErrors.KeyNotFound(region.KeyArn(keyId));
        if (authorize is not null)
        {
            await authorize(key).ConfigureAwait(false);
        }

        await opened.SaveAsync(change(key), cancellationToken).ConfigureAwait(false);
        return key;
    }
}
