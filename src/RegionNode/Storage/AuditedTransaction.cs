using Grpc.Mrk.RegionNode.Domain.Ports;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>One write together with the audit record of the call that made it, if it owes one, in one transaction.</summary>
public static class AuditedTransaction
{
    public static async Task<T> RunAsync<T>(SqliteDatabase database, ITransactionAudit? audit, ICallRecord? record,
        Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        using var audited = audit is null ? null : await audit.ReserveAsync(record, null, created: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await WriteAsync(audited, connection, transaction, cancellationToken).ConfigureAwait(false);
        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        audited?.Committed();
        return result;
    }

    /// <summary>Writes <paramref name="audited"/>'s row in the transaction, when there is one.</summary>
    public static Task WriteAsync(IPendingAuditRow? audited, SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken) =>
        audited?.WriteAsync(connection, transaction, cancellationToken) ?? Task.CompletedTask;
}
