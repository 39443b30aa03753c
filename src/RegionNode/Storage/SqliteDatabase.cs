using Grpc.Mrk.Cluster;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// Opens connections to the Region's SQLite file with the settings durability needs (WAL, synchronous=FULL, foreign
/// keys) and applies the numbered migrations embedded in this assembly, tracked by PRAGMA user_version.
/// </summary>
public sealed class SqliteDatabase
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
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await PrepareAsync(connection, cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>A connection for writing: this process's writes take turns here rather than in SQLite's busy wait.</summary>
    public Task<SqliteConnection> OpenForWriteAsync(CancellationToken cancellationToken) =>
        _writes.OpenAsync(_connectionString, PrepareAsync, cancellationToken);

    private static async Task PrepareAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var pragmas = connection.CreateCommand();
        // synchronous=FULL: an acknowledged key or material write survives power loss, not only a process crash.
        // secure_delete: freed pages are zeroed, so deleted (wrapped) material does not linger in the file.
        // busy_timeout still covers another process on the same file (an offline tool; the data directory lock refuses a second node).
        pragmas.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA busy_timeout=30000;";
        await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates or upgrades the schema. Returns the migrations applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await SqliteMigrations.ApplyAsync(connection, typeof(SqliteDatabase).Assembly, "Grpc.Mrk.RegionNode.Storage.Migrations.", cancellationToken)
            .ConfigureAwait(false);
    }
}
