using Grpc.Mrk.Cluster;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.ControlPlane.Storage.Sqlite;

/// <summary>The single ControlPlane's queue in its own SQLite file: an envelope is stored (synchronous=FULL) before it is
/// acknowledged to its sender and deleted only when its destination acknowledges it.</summary>
public sealed class SqliteRelayQueue(string path, TimeProvider time) : IRelayQueue, IDisposable
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
    }.ToString();

    private readonly SqliteWriteGate _writes = new();

    public string Describe => $"sqlite:{path}";

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await SqliteMigrations.ApplyAsync(connection, typeof(SqliteRelayQueue).Assembly, "Grpc.Mrk.ControlPlane.Storage.Migrations.", cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Stores an envelope once (a resend of the same message ID is a no-op) and returns when it is durable: true when
    /// it was new.
    /// </summary>
    public async Task<bool> EnqueueAsync(string messageId, string source, string destination, byte[] envelope, CancellationToken cancellationToken)
    {
        await using var connection = await OpenForWriteAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("""
            INSERT INTO queue (message_id, source, destination, enqueued_at, envelope) VALUES ($id, $source, $destination, $at, $envelope)
            ON CONFLICT (source, message_id) DO NOTHING;
            """);
        command.Parameters.AddWithValue("$id", messageId);
        command.Parameters.AddWithValue("$source", source);
        command.Parameters.AddWithValue("$destination", destination);
        command.Parameters.AddWithValue("$at", time.GetUtcNow().UtcTicks);
        command.Parameters.Add("$envelope", SqliteType.Blob).Value = envelope;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Up to <paramref name="limit"/> envelopes for a destination after queue position <paramref name="afterSeq"/>, in order.</summary>
    public async Task<IReadOnlyList<(long Seq, byte[] Envelope)>> PendingAsync(string destination, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT seq, envelope FROM queue WHERE destination = $d AND seq > $after ORDER BY seq LIMIT $limit;");
        command.Parameters.AddWithValue("$d", destination);
        command.Parameters.AddWithValue("$after", afterSeq);
        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<(long, byte[])>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }

        return rows;
    }

    /// <summary>
    /// Removes an envelope its destination acknowledged; an acknowledgement for another destination removes nothing.
    /// Not flushed to disk on its own (the next flushed commit carries it): if power fails first, the envelope is
    /// delivered again and its destination drops it as already applied.
    /// </summary>
    public async Task AcknowledgeAsync(string destination, string messageId, CancellationToken cancellationToken)
    {
        await using var connection = await _writes.OpenAsync(_connectionString, cancellationToken, synchronous: "NORMAL").ConfigureAwait(false);
        using var command = connection.Command("DELETE FROM queue WHERE destination = $d AND message_id = $id;");
        command.Parameters.AddWithValue("$d", destination);
        command.Parameters.AddWithValue("$id", messageId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Per destination: how many envelopes wait and since when the oldest does.</summary>
    public async Task<Dictionary<string, (long Depth, DateTimeOffset Oldest)>> DepthsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.Command("SELECT destination, COUNT(*), MIN(enqueued_at) FROM queue GROUP BY destination;");
        var result = new Dictionary<string, (long, DateTimeOffset)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result[reader.GetString(0)] = (reader.GetInt64(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero));
        }

        return result;
    }

    /// <summary>A connection to the ControlPlane's store (the queue and what else it keeps, such as audit digest copies).</summary>
    internal Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => SqliteConnectionSetup.OpenAsync(_connectionString, cancellationToken);

    /// <summary>Writes from the Regions' streams take turns here rather than in SQLite's busy wait.</summary>
    internal Task<SqliteConnection> OpenForWriteAsync(CancellationToken cancellationToken) =>
        _writes.OpenAsync(_connectionString, cancellationToken);

    public void Dispose() => _writes.Dispose();
}
