using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// One write at a time per process and database file, queued in order. SQLite itself lets only one writer in; a
/// second one polls with growing sleeps (1, 2, 5, 10, 20, 50, 100 ms), so two writers meeting cost the second tens
/// of milliseconds although a commit takes well under one. Under replication load that added 30-60 ms to every hop
/// between Regions. Waiting here instead costs nothing while the other write finishes.
/// Since writes take turns anyway, each kind of write (by how its commits are flushed) has one connection that stays
/// open, set up once, its statements prepared once (<see cref="StatementCachingConnection"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "A SemaphoreSlim holds unmanaged resources only once its AvailableWaitHandle is used, which this never does; the connections are closed by Dispose.")]
public sealed class SqliteWriteGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string, string), WriterConnection> _open = [];
    private bool _disposed;

    /// <summary>
    /// The writer connection, held until it is disposed (which keeps it open for the next write and releases the gate).
    /// Use it only for writes; reads need no gate. <paramref name="synchronous"/> is SQLite's flush setting for its
    /// commits (FULL, or NORMAL for changes flushed with the next FULL commit).
    /// </summary>
    public async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken, string synchronous = "FULL")
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_open.TryGetValue((connectionString, synchronous), out var connection) || connection.State != System.Data.ConnectionState.Open)
            {
                _open.Remove((connectionString, synchronous));
                connection = new WriterConnection(connectionString, this);
                await SqliteConnectionSetup.OpenAsync(connection, cancellationToken, synchronous).ConfigureAwait(false);
                _open[(connectionString, synchronous)] = connection;
            }

            connection.Leased = true;
            return connection;
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    /// <summary>
    /// Closes the writer connections (the host does, on shutdown), once the write under way ends; one that does not end
    /// within 30 s is left to the process's exit rather than stopping the shutdown.
    /// </summary>
    public void Dispose()
    {
        if (!_gate.Wait(TimeSpan.FromSeconds(30)))
        {
            _disposed = true;
            return;
        }

        try
        {
            _disposed = true;
            foreach (var connection in _open.Values)
            {
                connection.Dispose();
            }

            _open.Clear();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// After a use: a transaction the user left open is rolled back (a closed connection used to do that); a connection
    /// that cannot do that any more is closed and forgotten, and the next write opens a new one.
    /// </summary>
    private void Return(WriterConnection connection)
    {
        try
        {
            if (connection.State == System.Data.ConnectionState.Open && SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
            {
                using var rollback = new SqliteCommand("ROLLBACK;", connection);
                rollback.ExecuteNonQuery();
            }

            if (connection.State != System.Data.ConnectionState.Open)
            {
                Forget(connection);
            }
        }
        catch (SqliteException)
        {
            Forget(connection);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Forget(WriterConnection connection)
    {
        foreach (var entry in _open.Where(e => ReferenceEquals(e.Value, connection)).ToList())
        {
            _open.Remove(entry.Key);
        }

        connection.Dispose();
    }

    private sealed class WriterConnection(string connectionString, SqliteWriteGate gate) : StatementCachingConnection(connectionString)
    {
        /// <summary>Handed out by the gate: disposing it returns it rather than closing it.</summary>
        public bool Leased { get; set; }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Leased)
            {
                Leased = false;
                gate.Return(this);
                return;
            }

            base.Dispose(disposing);
        }
    }
}
