using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>The audit_records table: appends in one transaction per batch, reads in sequence order.</summary>
public sealed class AuditStore(SqliteDatabase database)
{
    /// <summary>The last record's sequence and hash (0 and 32 zero bytes for an empty log).</summary>
    public async Task<(long Sequence, byte[] Hash)> TailAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), (byte[])reader.GetValue(1)) : (0, new byte[32]);
    }

    /// <summary>Appends a batch of records and, in the same transaction, the last uses of keys they record (by key ID).</summary>
    public async Task AppendAsync(IReadOnlyList<(long Sequence, string Json, byte[] Hash)> records, IReadOnlyDictionary<string, KeyLastUsage> usages,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await AppendAsync(connection, transaction, records, cancellationToken).ConfigureAwait(false);
        if (usages.Count > 0)
        {
            // A key deleted meanwhile has no row in keys: its use is not kept.
            using var command = connection.Command("""
                INSERT INTO key_last_usage (key_id, operation, used_at, event_id, request_id)
                SELECT $key, $operation, $at, $event, $request WHERE EXISTS (SELECT 1 FROM keys WHERE key_id = $key)
                ON CONFLICT (key_id) DO UPDATE SET operation = excluded.operation, used_at = excluded.used_at, event_id = excluded.event_id,
                    request_id = excluded.request_id;
                """);
            command.Transaction = transaction;
            var (key, operation, at, eventId, request) = (command.Parameters.Add("$key", SqliteType.Text), command.Parameters.Add("$operation", SqliteType.Text),
                command.Parameters.Add("$at", SqliteType.Integer), command.Parameters.Add("$event", SqliteType.Text), command.Parameters.Add("$request", SqliteType.Text));
            foreach (var (keyId, usage) in usages)
            {
                (key.Value, operation.Value, at.Value, eventId.Value, request.Value) =
                    (keyId, usage.Operation, usage.Timestamp.UtcTicks, usage.EventId, (object?)usage.RequestId ?? DBNull.Value);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same inside a caller's transaction (a management change and its record commit together).</summary>
    public static async Task AppendAsync(SqliteConnection connection, SqliteTransaction transaction,
        IReadOnlyList<(long Sequence, string Json, byte[] Hash)> records, CancellationToken cancellationToken)
    {
        // One command for the whole batch: its statement is prepared once, not once per record (which cost the writer
        // about as much as the inserts themselves).
        using var command = connection.Command("INSERT INTO audit_records (sequence, json, hash) VALUES ($s, $j, $h);");
        command.Transaction = transaction;
        var (sequenceParameter, jsonParameter, hashParameter) = (command.Parameters.Add("$s", SqliteType.Integer),
            command.Parameters.Add("$j", SqliteType.Text), command.Parameters.Add("$h", SqliteType.Blob));
        foreach (var (sequence, json, hash) in records)
        {
            (sequenceParameter.Value, jsonParameter.Value, hashParameter.Value) = (sequence, json, hash);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<(long Sequence, string Json, byte[] Hash)>> ReadAsync(long afterSequence, int limit, string? eventName,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            SELECT sequence, json, hash FROM audit_records WHERE sequence > $after AND ($name IS NULL OR event_name = $name)
            ORDER BY sequence LIMIT $limit;
            """);
        command.Parameters.AddWithValue("$after", afterSequence);
        command.Parameters.AddWithValue("$name", (object?)eventName ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<(long, string, byte[])>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add((reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        return result;
    }

    public async Task AppendDigestAsync(long sequence, byte[] hash, DateTimeOffset createdAt, byte[] signature, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("INSERT INTO audit_digests (sequence, hash, created_at, signature) VALUES ($s, $h, $at, $sig) ON CONFLICT (sequence) DO NOTHING;");
        command.Parameters.AddWithValue("$s", sequence);
        command.Parameters.AddWithValue("$h", hash);
        command.Parameters.AddWithValue("$at", createdAt.UtcTicks);
        command.Parameters.AddWithValue("$sig", signature);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sequence number the newest digest seals; 0 when there is none.</summary>
    public async Task<long> LastSealedSequenceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT COALESCE(MAX(sequence), 0) FROM audit_digests;");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Up to <paramref name="limit"/> digests sealing records after <paramref name="afterSequence"/>, in order.</summary>
    public async Task<IReadOnlyList<SealedDigest>> DigestsAsync(long afterSequence, int limit,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT sequence, hash, created_at, signature FROM audit_digests WHERE sequence > $after ORDER BY sequence LIMIT $limit;");
        command.Parameters.AddWithValue("$after", afterSequence);
        command.Parameters.AddWithValue("$limit", limit);
        var result = new List<SealedDigest>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new SealedDigest(reader.GetInt64(0), (byte[])reader.GetValue(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero), (byte[])reader.GetValue(3)));
        }

        return result;
    }
}
