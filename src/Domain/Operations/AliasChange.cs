using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// One change to the alias table, under the table's lock: reads of aliases and of the keys they name, and at most one
/// write, stored with the call's audit record. Opened only by <see cref="KeyChanges"/>; disposing it releases the lock.
/// </summary>
public sealed class AliasChange : LockedChange
{
    private readonly IKeyStore _store;

    private readonly ICallRecord? _record;

    internal AliasChange(IKeyStore store, ICallRecord? record, IDisposable held)
        : base(held, "the alias table")
    {
        _store = store;
        _record = record;
    }

    public Task<Alias?> FindAliasAsync(string aliasName, CancellationToken cancellationToken) => _store.FindAliasAsync(aliasName, cancellationToken);

    public Task<KmsKey?> FindKeyAsync(string keyId, CancellationToken cancellationToken) => _store.FindKeyAsync(keyId, cancellationToken);

    public Task InsertAsync(Alias alias, CancellationToken cancellationToken)
    {
        Commits();
        return _store.InsertAliasAsync(alias, _record, cancellationToken);
    }

    public Task UpdateAsync(Alias alias, CancellationToken cancellationToken)
    {
        Commits();
        return _store.UpdateAliasAsync(alias, _record, cancellationToken);
    }

    public Task DeleteAsync(string aliasName, CancellationToken cancellationToken)
    {
        Commits();
        return _store.DeleteAliasAsync(aliasName, _record, cancellationToken);
    }
}
