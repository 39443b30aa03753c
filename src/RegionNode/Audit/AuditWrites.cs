using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>How a store writes the pending audit record of a management call inside the call's own transaction.</summary>
public static class AuditWrites
{
    /// <summary>Reserves the chain for the pending record, if this flow has one not yet written; null otherwise.</summary>
    public static async Task<AuditReservation?> ReserveAsync(AuditLog? log, KmsKey? key, bool created, CancellationToken cancellationToken)
    {
        if (log is null || AuditScope.Current is not { Written: false } pending)
        {
            return null;
        }

        if (key is not null && pending.Event.KeyArn is null)
        {
            pending.Event = pending.Event with { KeyArn = key.Arn };
        }

        if (key is not null && created && pending.Event.ResponseElements is null)
        {
            pending.Event = pending.Event with
            {
                ResponseElements = new Dictionary<string, object?>
                {
                    ["keyMetadata"] = new Dictionary<string, object?> { ["keyId"] = key.KeyId, ["arn"] = key.Arn },
                },
            };
        }

        return await log.ReserveAsync(pending, cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteAsync(AuditReservation? reservation, SqliteConnection connection, SqliteTransaction transaction,
        CancellationToken cancellationToken)
    {
        if (reservation is not null)
        {
            await AuditStore.AppendAsync(connection, transaction, [reservation.Row], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="work"/> in one transaction together with the call's pending audit record, if any.</summary>
    public static async Task<T> InTransactionAsync<T>(SqliteDatabase database, AuditLog? log,
        Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        using var audited = await ReserveAsync(log, null, created: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await WriteAsync(audited, connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        audited?.Committed();
        return result;
    }
}
