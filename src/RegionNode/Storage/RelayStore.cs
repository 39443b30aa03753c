using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>The Region's outbox and per-peer sequence numbers for the relay.</summary>
public sealed class RelayStore(SqliteDatabase database, TimeProvider time)
{
    /// <summary>Allocates the next sequence number for <paramref name="destination"/> and stores the envelope built with it, in one transaction.</summary>
    public async Task<string> EnqueueAsync(string destination, Func<ulong, (string MessageId, byte[] Bytes)> build, DateTimeOffset now,
        WriteDurability durability, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(durability, cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var messageId = await EnqueueAsync(connection, transaction, destination, build, null, now, cancellationToken).ConfigureAwait(false);
        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return messageId;
    }

    /// <summary>The same inside a caller's transaction, so an envelope is queued exactly when the change it belongs to commits.</summary>
    public static async Task<string> EnqueueAsync(SqliteConnection connection, SqliteTransaction transaction, string destination,
        Func<ulong, (string MessageId, byte[] Bytes)> build, IReadOnlyList<string>? deliver, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await EnsurePeerAsync(connection, transaction, destination, now, cancellationToken).ConfigureAwait(false);
        ulong sequence;
        using (var next = connection.Command("UPDATE relay_peers SET next_out = next_out + 1 WHERE region = $r RETURNING next_out - 1;"))
        {
            next.Transaction = transaction;
            next.Parameters.AddWithValue("$r", destination);
            sequence = Convert.ToUInt64(await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        var (messageId, bytes) = build(sequence);
        using var insert = connection.Command("INSERT INTO outbox (message_id, destination, sequence, created_at, envelope, deliver) VALUES ($id, $d, $s, $at, $e, $m);");
        insert.Transaction = transaction;
        insert.Parameters.AddWithValue("$id", messageId);
        insert.Parameters.AddWithValue("$d", destination);
        insert.Parameters.AddWithValue("$s", (long)sequence);
        insert.Parameters.AddWithValue("$at", now.UtcTicks);
        insert.Parameters.Add("$e", SqliteType.Blob).Value = bytes;
        insert.Parameters.AddWithValue("$m", deliver is { Count: > 0 }
            ? (object)System.Text.Json.JsonSerializer.Serialize(deliver.ToList(), StoreJson.Default.ListString) : DBNull.Value);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return messageId;
    }

    /// <summary>An envelope waiting in the outbox, and the material versions to seal into it as it leaves (<see cref="Domain.Model.OutgoingMessage.Deliver"/>).</summary>
    public sealed record Pending(string MessageId, string Destination, long Sequence, byte[] Envelope, IReadOnlyList<string>? Deliver = null);

    /// <summary>
    /// The oldest envelopes not yet stored by the ControlPlane, in sequence order (per destination, the order their
    /// changes committed in), skipping for each destination those up to the sequence in <paramref name="sentUpTo"/>.
    /// </summary>
    public async Task<IReadOnlyList<Pending>> PendingAsync(int limit, CancellationToken cancellationToken,
        Dictionary<string, long>? sentUpTo = null)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            SELECT message_id, destination, sequence, envelope, deliver FROM outbox
            WHERE sequence > coalesce((SELECT value FROM json_each($sent) WHERE key = outbox.destination), -1)
              AND destination NOT IN (SELECT region FROM relay_peers WHERE floor_nonce IS NOT NULL)
            ORDER BY sequence LIMIT $limit;
            """);
        command.Parameters.AddWithValue("$sent", System.Text.Json.JsonSerializer.Serialize(sentUpTo ?? new Dictionary<string, long>(),
            StoreJson.Default.DictionaryStringInt64));
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<Pending>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new Pending(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), (byte[])reader.GetValue(3),
                reader.IsDBNull(4) ? null : System.Text.Json.JsonSerializer.Deserialize(reader.GetString(4), StoreJson.Default.ListString)));
        }

        return rows;
    }

    /// <summary>How many envelopes wait for the ControlPlane.</summary>
    public async Task<long> BacklogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT count(*) FROM outbox;");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Deletes an envelope the ControlPlane has stored. Not flushed to disk on its own (the next flushed commit carries
    /// it): if power fails first, the envelope is simply sent again and its receiver drops it as already applied.
    /// </summary>
    public async Task RemoveAsync(IReadOnlyCollection<string> messageIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(WriteDurability.WithNextFlush, cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("DELETE FROM outbox WHERE message_id IN (SELECT value FROM json_each($ids));");
        command.Parameters.AddWithValue("$ids", System.Text.Json.JsonSerializer.Serialize(messageIds.ToList(), StoreJson.Default.ListString));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task RemoveAsync(string messageId, CancellationToken cancellationToken) => RemoveAsync([messageId], cancellationToken);

    /// <summary>True when <paramref name="sequence"/> is newer than the last envelope applied from <paramref name="source"/>.</summary>
    public async Task<bool> IsNewAsync(string source, ulong sequence, CancellationToken cancellationToken) =>
        sequence > await LastAppliedAsync(source, cancellationToken).ConfigureAwait(false);

    /// <summary>The sequence of the last envelope applied from <paramref name="source"/> (0 before the first).</summary>
    public async Task<ulong> LastAppliedAsync(string source, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var last = connection.Command("SELECT last_in FROM relay_peers WHERE region = $r;");
        last.Parameters.AddWithValue("$r", source);
        var lastIn = await last.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return lastIn is null ? 0 : Convert.ToUInt64(lastIn, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Records <paramref name="sequence"/> as the last envelope applied from <paramref name="source"/> (never moves backwards).</summary>
    public async Task MarkAppliedAsync(string source, ulong sequence, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await EnsurePeerAsync(connection, transaction, source, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        using var update = connection.Command("UPDATE relay_peers SET last_in = max(last_in, $s) WHERE region = $r;");
        update.Transaction = transaction;
        update.Parameters.AddWithValue("$s", (long)sequence);
        update.Parameters.AddWithValue("$r", source);
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The most envelopes kept set aside; older ones are dropped first.</summary>
    public const int MaxDeadLetters = 1000;

    /// <summary>
    /// Sets an envelope that failed to apply aside and records its sequence as applied, in one transaction, so the queue
    /// behind it moves on and a redelivery of it is refused as a repeat.
    /// </summary>
    public async Task DeadLetterAsync(string messageId, string source, ulong sequence, string kind, string keyId, string reason, byte[] envelope,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await EnsurePeerAsync(connection, transaction, source, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        using (var insert = connection.Command("""
                INSERT INTO dead_letters (message_id, source_region, sequence, kind, key_id, received_at, reason, envelope)
                VALUES ($id, $source, $sequence, $kind, $key, $at, $reason, $envelope) ON CONFLICT (message_id) DO NOTHING;
                DELETE FROM dead_letters WHERE message_id IN
                    (SELECT message_id FROM dead_letters ORDER BY received_at DESC, message_id LIMIT -1 OFFSET $max);
                UPDATE relay_peers SET last_in = max(last_in, $sequence) WHERE region = $source;
                """))
        {
            insert.Transaction = transaction;
            insert.Parameters.AddWithValue("$id", messageId);
            insert.Parameters.AddWithValue("$source", source);
            insert.Parameters.AddWithValue("$sequence", (long)sequence);
            insert.Parameters.AddWithValue("$kind", kind);
            insert.Parameters.AddWithValue("$key", keyId);
            insert.Parameters.AddWithValue("$at", now.UtcTicks);
            insert.Parameters.AddWithValue("$reason", reason);
            insert.Parameters.AddWithValue("$envelope", envelope);
            insert.Parameters.AddWithValue("$max", MaxDeadLetters);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many envelopes are set aside.</summary>
    public async Task<int> DeadLetterCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT COUNT(*) FROM dead_letters;");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// After a restore this store's outgoing sequences may be behind what <paramref name="peers"/> have
    /// applied (they saw envelopes the restored store never knew of): each peer gets a fresh question (its nonce), and
    /// nothing else leaves for it until its answer arrives (<see cref="ApplyFloorAsync"/>). No clock is read: one set
    /// back would otherwise number envelopes its peers refuse as replays.
    /// </summary>
    public async Task HoldForFloorsAsync(IEnumerable<string> peers, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var peer in peers)
        {
            await EnsurePeerAsync(connection, transaction, peer, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            using var hold = connection.Command("UPDATE relay_peers SET floor_nonce = $nonce WHERE region = $r;");
            hold.Transaction = transaction;
            hold.Parameters.AddWithValue("$r", peer);
            hold.Parameters.AddWithValue("$nonce", NewNonce());
            await hold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The peers this Region waits to hear its sequence floor from, with the nonce of each question.</summary>
    public async Task<IReadOnlyList<(string Peer, string Nonce)>> AwaitedFloorsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT region, floor_nonce FROM relay_peers WHERE floor_nonce IS NOT NULL ORDER BY region;");
        var awaited = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            awaited.Add((reader.GetString(0), reader.GetString(1)));
        }

        return awaited;
    }

    /// <summary>
    /// <paramref name="peer"/> answered question <paramref name="nonce"/>: it applied this Region's envelopes up to
    /// <paramref name="lastApplied"/>. What waits for it is numbered on from there, in the same order, and sending to it
    /// resumes. False (and nothing changes) when no such question is open: an answer replayed, or to an older question.
    /// </summary>
    public async Task<bool> ApplyFloorAsync(string peer, string nonce, ulong lastApplied, CancellationToken cancellationToken)
    {
        // Far beyond any real count, and far from the end of SQLite's integers: an answer cannot exhaust the sequence.
        if (lastApplied >= 1UL << 62)
        {
            return false;
        }

        await using var connection = await database.OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using (var open = connection.Command("SELECT count(*) FROM relay_peers WHERE region = $r AND floor_nonce = $nonce;"))
        {
            open.Transaction = transaction;
            open.Parameters.AddWithValue("$r", peer);
            open.Parameters.AddWithValue("$nonce", nonce);
            if ((long)(await open.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 0)
            {
                return false;
            }
        }

        long shift;
        using (var lowest = connection.Command("SELECT coalesce(min(sequence), 0) FROM outbox WHERE destination = $r;"))
        {
            lowest.Transaction = transaction;
            lowest.Parameters.AddWithValue("$r", peer);
            shift = Math.Max(0, (long)lastApplied + 1 - (long)(await lowest.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
        }

        // Negative first, then positive: the rows keep their order and never meet one another's numbers on the way.
        using (var renumber = connection.Command("""
            UPDATE outbox SET sequence = -(sequence + $shift) WHERE destination = $r;
            UPDATE outbox SET sequence = -sequence WHERE destination = $r AND sequence < 0;
            UPDATE relay_peers SET floor_nonce = NULL,
                next_out = max(next_out, $floor + 1, coalesce((SELECT max(sequence) + 1 FROM outbox WHERE destination = $r), 0))
            WHERE region = $r;
            """))
        {
            renumber.Transaction = transaction;
            renumber.Parameters.AddWithValue("$r", peer);
            renumber.Parameters.AddWithValue("$floor", (long)lastApplied);
            renumber.Parameters.AddWithValue("$shift", shift);
            await renumber.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await database.CommitAsync(transaction, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A peer this store has no record of yet starts at the time in microseconds: for a store that starts empty after
    /// its Region's store was lost (a rebuild), above what the peer applied before the loss as long as the clock has not
    /// gone back past it. (A restore asks the peers instead, <see cref="HoldForFloorsAsync"/>, and needs no clock.)
    /// </summary>
    private static async Task EnsurePeerAsync(SqliteConnection connection, SqliteTransaction transaction, string region, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        using var ensure = connection.Command("INSERT INTO relay_peers (region, next_out, last_in) VALUES ($r, $seed, 0) ON CONFLICT (region) DO NOTHING;");
        ensure.Transaction = transaction;
        ensure.Parameters.AddWithValue("$r", region);
        ensure.Parameters.AddWithValue("$seed", now.ToUnixTimeMilliseconds() * 1000);
        await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string NewNonce() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
