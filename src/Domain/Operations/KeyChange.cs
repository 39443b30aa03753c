using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// One change to one key, from its lock to its commit: the key (or its absence) as loaded under the key's lock, and at
/// most one write, which stores the key together with the messages the change sends to other Regions and the audit
/// record of the call that made it (<see cref="ICallRecord"/>, handed over when the change is opened), in one
/// transaction. Opened only by <see cref="KeyChanges"/>; disposing it releases the lock.
/// </summary>
public sealed class KeyChange : LockedChange
{
    private readonly IKeyStore _store;

    private readonly ICallRecord? _record;

    private readonly WriteDurability _durability;

    internal KeyChange(IKeyStore store, string keyId, KmsKey? key, ICallRecord? record, WriteDurability durability, IDisposable held)
        : base(held, keyId)
    {
        _store = store;
        _record = record;
        _durability = durability;
        KeyId = keyId;
        Key = key;
    }

    public string KeyId { get; }

    /// <summary>The key as stored when the lock was taken; null when this Region holds no key by that ID.</summary>
    public KmsKey? Key { get; private set; }

    /// <summary>What this Region remembers of the key if it deleted it (multi-Region keys only).</summary>
    public Task<KeyTombstone?> TombstoneAsync(CancellationToken cancellationToken) => _store.FindTombstoneAsync(KeyId, cancellationToken);

    /// <summary>Stores <paramref name="key"/> as new (no key by its ID may exist) and queues <paramref name="outgoing"/>.</summary>
    public async Task InsertAsync(KmsKey key, IReadOnlyList<OutgoingMessage> outgoing, CancellationToken cancellationToken)
    {
        if (Key is not null || key.KeyId != KeyId)
        {
            throw new InvalidOperationException($"A change to {KeyId} can insert only a key of that ID that does not exist yet.");
        }

        Commits();
        await _store.InsertKeyAsync(key, outgoing, _record, _durability, cancellationToken).ConfigureAwait(false);
        Key = key;
    }

    /// <summary>Stores everything the change did to the loaded key and queues <paramref name="outgoing"/>.</summary>
    public Task SaveAsync(IReadOnlyList<OutgoingMessage> outgoing, CancellationToken cancellationToken)
    {
        var key = Key ?? throw new InvalidOperationException($"No key {KeyId} was loaded: there is nothing to save.");
        Commits();
        return _store.UpdateKeyAsync(key, outgoing, _record, _durability, cancellationToken);
    }

    /// <summary>Removes the loaded key for good, remembers <paramref name="tombstone"/> and queues <paramref name="outgoing"/>.</summary>
    public async Task DeleteAsync(KeyTombstone? tombstone, IReadOnlyList<OutgoingMessage> outgoing, CancellationToken cancellationToken)
    {
        if (Key is null)
        {
            throw new InvalidOperationException($"No key {KeyId} was loaded: there is nothing to delete.");
        }

        Commits();
        await _store.DeleteKeyAsync(KeyId, tombstone, outgoing, _record, _durability, cancellationToken).ConfigureAwait(false);
        Key = null;
    }
}
