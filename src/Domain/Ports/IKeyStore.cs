using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>Durable storage of this Region's keys, material versions and aliases.</summary>
public interface IKeyStore
{
    Task<KmsKey?> FindKeyAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Stores a new key with its materials durably before returning.</summary>
    Task InsertKeyAsync(KmsKey key, CancellationToken cancellationToken) => InsertKeyAsync(key, [], null, WriteDurability.Immediate, cancellationToken);

    /// <summary>Stores a new key and queues <paramref name="outgoing"/> for other Regions, with <paramref name="record"/>, in one transaction.</summary>
    Task InsertKeyAsync(KmsKey key, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record, WriteDurability durability, CancellationToken cancellationToken);

    /// <summary>Stores every change to the key, including material versions it gained, in one transaction.</summary>
    Task UpdateKeyAsync(KmsKey key, CancellationToken cancellationToken) => UpdateKeyAsync(key, [], null, WriteDurability.Immediate, cancellationToken);

    /// <summary>
    /// Stores every change to the key and queues <paramref name="outgoing"/> for other Regions, with the call's
    /// <paramref name="record"/>, in one transaction. Import
    /// tokens the change used up are deleted in it; InvalidImportTokenException if one was already used.
    /// </summary>
    Task UpdateKeyAsync(KmsKey key, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record, WriteDurability durability, CancellationToken cancellationToken);

    /// <summary>Removes the key, all its material versions and its aliases for good.</summary>
    Task DeleteKeyAsync(string keyId, CancellationToken cancellationToken) => DeleteKeyAsync(keyId, null, [], null, WriteDurability.Immediate, cancellationToken);

    /// <summary>
    /// Removes the key for good, remembers <paramref name="tombstone"/> (a deleted multi-Region key) and queues
    /// <paramref name="outgoing"/>, in one transaction.
    /// </summary>
    Task DeleteKeyAsync(string keyId, KeyTombstone? tombstone, IReadOnlyList<OutgoingMessage> outgoing, ICallRecord? record, WriteDurability durability,
        CancellationToken cancellationToken);

    Task<KeyTombstone?> FindTombstoneAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>How many keys this Region holds, of every state (for the keys-per-Region quota).</summary>
    Task<int> CountKeysAsync(CancellationToken cancellationToken);

    /// <summary>How many aliases this Region holds (for the aliases quota).</summary>
    Task<int> CountAliasesAsync(CancellationToken cancellationToken);

    /// <summary>The key's last successful cryptographic use in this Region, written with its audit record; null if none since tracking began.</summary>
    Task<KeyLastUsage?> FindLastUsageAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>When this Region's store began recording key uses; null before the node first started with tracking.</summary>
    Task<DateTimeOffset?> UsageTrackingStartAsync(CancellationToken cancellationToken);

    /// <summary>Multi-Region keys for which anti-entropy has something to repeat by <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> KeysDueForSyncAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Key IDs in order, those after <paramref name="afterKeyId"/>, at most <paramref name="limit"/>.</summary>
    /// <summary>Multi-Region keys whose set, as this Region knows it, has <paramref name="region"/> as primary or replica, by key ID.</summary>
    Task<IReadOnlyList<string>> MultiRegionKeysRelatedToAsync(string region, string? afterKeyId, int limit, CancellationToken cancellationToken);

    /// <summary>Multi-Region keys whose primary, as this Region knows it, is <paramref name="region"/>, by key ID.</summary>
    Task<IReadOnlyList<string>> PrimaryKeysAsync(string region, string? afterKeyId, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListKeyIdsAsync(string? afterKeyId, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> KeysDueForDeletionAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> KeysDueForRotationAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="parameters"/> and drops the oldest of the key's earlier sets beyond
    /// <paramref name="keepPerKey"/>. False when the key no longer exists.
    /// </summary>
    Task<bool> SaveImportParametersAsync(ImportParameters parameters, int keepPerKey, CancellationToken cancellationToken);

    Task<ImportParameters?> FindImportParametersAsync(string tokenId, CancellationToken cancellationToken);

    /// <summary>
    /// Erases the private wrapping key of import parameters that expired by <paramref name="now"/> and forgets tokens
    /// expired longer than <paramref name="keepExpiredFor"/>; returns how many rows changed.
    /// </summary>
    Task<int> DeleteExpiredImportParametersAsync(DateTimeOffset now, TimeSpan keepExpiredFor, CancellationToken cancellationToken);

    /// <summary>Keys holding imported material whose ValidTo is at or before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<string>> KeysWithExpiredMaterialAsync(DateTimeOffset now, CancellationToken cancellationToken);

    Task<Alias?> FindAliasAsync(string aliasName, CancellationToken cancellationToken);

    Task InsertAliasAsync(Alias alias, ICallRecord? record, CancellationToken cancellationToken);

    Task UpdateAliasAsync(Alias alias, ICallRecord? record, CancellationToken cancellationToken);

    Task DeleteAliasAsync(string aliasName, ICallRecord? record, CancellationToken cancellationToken);

    /// <summary>Aliases in name order after <paramref name="afterAliasName"/>; only those of one key when given.</summary>
    Task<IReadOnlyList<Alias>> ListAliasesAsync(string? targetKeyId, string? afterAliasName, int limit, CancellationToken cancellationToken);
}
