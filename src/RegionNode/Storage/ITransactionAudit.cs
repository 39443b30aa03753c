using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// The audit record a write owes, committed in the write's own transaction so that a change is never stored without
/// its record. The audit log implements it; the stores know only this.
/// </summary>
public interface ITransactionAudit
{
    /// <summary>
    /// Reserves the chain for <paramref name="record"/>, the record of the call that makes this write, when it is one
    /// not yet written (null otherwise). The record names <paramref name="key"/> and, when <paramref name="created"/>,
    /// answers with its ID and ARN.
    /// </summary>
    Task<IPendingAuditRow?> ReserveAsync(ICallRecord? record, KmsKey? key, bool created, CancellationToken cancellationToken);
}

/// <summary>A reserved audit row: written inside the transaction, confirmed after the commit, released when disposed without it.</summary>
public interface IPendingAuditRow : IDisposable
{
    Task WriteAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken);

    void Committed();
}
