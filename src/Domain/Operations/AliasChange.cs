using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// One change to the alias table, under the table's lock: reads of aliases and of the keys they name, and at most one
/// write. Opened only by <see cref="KeyChanges"/>; disposing it releases the lock.
/// </summary>
public sealed class AliasChange : LockedChange
{
    private readonly IKeyStore _store;

    internal AliasChange(IKeyStore store, IDisposable held)
        : base(held, "the alias table") => _store = store;

    public Task<Alias?> FindAliasAsync(string aliasName, CancellationToken cancellationToken) => _store.FindAliasAsync(aliasName, cancellationToken);

    public Task<KmsKey?> FindKeyAsync(string keyId, CancellationToken cancellationToken) => _store.FindKeyAsync(keyId, cancellationToken);

    public Task InsertAsync(Alias alias, CancellationToken cancellationToken)
    {
        Commits();
        return _store.InsertAliasAsync(alias, cancellationToken);
    }

    public Task UpdateAsync(Alias alias, CancellationToken cancellationToken)
    {
        Commits();
        return _store.UpdateAliasAsync(alias, cancellationToken);
    }

    public Task DeleteAsync(string aliasName, CancellationToken cancellationToken)
    {
        Commits();
        return _store.DeleteAliasAsync(aliasName, cancellationToken);
    }
}
