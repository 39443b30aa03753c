using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// Opens connections to the Region's SQLite file with the settings durability needs (WAL, synchronous=FULL, foreign
/// keys) and applies the numbered migrations embedded in this assembly, tracked by PRAGMA user_version. Writes take
/// turns on connections that stay open until this is disposed.
/// </summary>
public sealed class SqliteDatabase : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteWriteGate _writes = new();

    public SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>A connection for reading (WAL readers never wait for writers).</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => SqliteConnectionSetup.OpenAsync(_connectionString, cancellationToken);

    /// <summary>A connection for writing: this process's writes take turns here rather than in SQLite's busy wait.</summary>
    public Task<SqliteConnection> OpenForWriteAsync(CancellationToken cancellationToken) =>
        _writes.OpenAsync(_connectionString, cancellationToken);

    /// <summary>The same, its commits flushed as <paramref name="durability"/> says (a writer connection of its own for each).</summary>
    public Task<SqliteConnection> OpenForWriteAsync(WriteDurability durability, CancellationToken cancellationToken) =>
        _writes.OpenAsync(_connectionString, cancellationToken, durability == WriteDurability.WithNextFlush ? "NORMAL" : "FULL");

    /// <summary>Raised after each commit made through <see cref="CommitAsync"/>, with how long it took (its flush to disk included).</summary>
    public event Action<TimeSpan>? Committed;

    /// <summary>Commits <paramref name="transaction"/>, timed for the node's metrics.</summary>
    public async Task CommitAsync(SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Committed?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    public void Dispose() => _writes.Dispose();

    /// <summary>Creates or upgrades the schema. Returns the migrations applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await SqliteMigrations.ApplyAsync(connection, typeof(SqliteDatabase).Assembly, "Grpc.Mrk.RegionNode.Storage.Migrations.", cancellationToken)
            .ConfigureAwait(false);
    }
}
