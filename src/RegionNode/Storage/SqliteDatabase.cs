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

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var pragmas = connection.CreateCommand();
        // synchronous=FULL: an acknowledged key or material write survives power loss, not only a process crash.
        // secure_delete: freed pages are zeroed, so deleted (wrapped) material does not linger in the file.
        pragmas.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA busy_timeout=30000;";
        await pragmas.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Creates or upgrades the schema. Returns the migrations applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await SqliteMigrations.ApplyAsync(connection, typeof(SqliteDatabase).Assembly, "Grpc.Mrk.RegionNode.Storage.Migrations.", cancellationToken)
            .ConfigureAwait(false);
    }
}
