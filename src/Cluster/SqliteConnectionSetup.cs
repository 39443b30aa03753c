using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// How both processes open their SQLite stores (the Region's region.db, the ControlPlane's relay.db): one setup, so a
/// connection never lacks one of the settings the stores' guarantees rest on.
/// </summary>
public static class SqliteConnectionSetup
{
    /// <summary>A connection for reading (WAL readers never wait for writers), set up by <see cref="PrepareAsync"/>.</summary>
    public static Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken) =>
        OpenAsync(new SqliteConnection(connectionString), cancellationToken);

    /// <summary>
    /// Opens and sets up <paramref name="connection"/>, its commits flushed as <paramref name="synchronous"/> says
    /// (FULL unless a writer asks for NORMAL); disposes it if that fails.
    /// </summary>
    public static async Task<SqliteConnection> OpenAsync(SqliteConnection connection, CancellationToken cancellationToken, string synchronous = "FULL")
    {
        if (synchronous is not ("FULL" or "NORMAL"))
        {
            throw new ArgumentOutOfRangeException(nameof(synchronous), synchronous, "FULL or NORMAL");
        }

        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await PrepareAsync(connection, synchronous, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task PrepareAsync(SqliteConnection connection, string synchronous, CancellationToken cancellationToken)
    {
        using var pragmas = connection.CreateCommand();
        // synchronous=FULL: an acknowledged write survives power loss, not only a process crash (NORMAL only where the
        // change is flushed with the next FULL commit before anything depends on it).
        // foreign_keys: SQLite enforces the schema's references only when asked, per connection.
        // secure_delete: freed pages are zeroed, so deleted (wrapped) material does not linger in the file.
        // busy_timeout still covers another process on the same file (an offline tool; the data directory lock refuses a second node).
        pragmas.CommandText = $"PRAGMA synchronous={synchronous}; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA busy_timeout=30000;";
        await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
