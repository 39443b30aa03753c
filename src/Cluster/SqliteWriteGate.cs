using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// One write at a time per process and database file, queued in order. SQLite itself lets only one writer in; a
/// second one polls with growing sleeps (1, 2, 5, 10, 20, 50, 100 ms), so two writers meeting cost the second tens
/// of milliseconds although a commit takes well under one. Under replication load that added 30-60 ms to every hop
/// between Regions. Waiting here instead costs nothing while the other write finishes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "A SemaphoreSlim holds unmanaged resources only once its AvailableWaitHandle is used, which this never does.")]
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens a connection that holds the gate until it is disposed. Use it only for writes; reads need no gate.</summary>
    public async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        // Disposing the connection (also when opening fails) releases the gate.
        return await SqliteConnectionSetup.OpenAsync(new GatedConnection(connectionString, _gate), cancellationToken).ConfigureAwait(false);
    }

    private sealed class GatedConnection(string connectionString, SemaphoreSlim gate) : SqliteConnection(connectionString)
    {
        private int _released;

        protected override void Dispose(bool disposing)
        {
            try
            {
                base.Dispose(disposing);
            }
            finally
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    gate.Release();
                }
            }
        }
    }
}
