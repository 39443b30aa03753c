using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// Writes take turns on connections that stay open, their statements prepared once: what one write leaves behind (its
/// parameters, a transaction it did not end, a connection it closed) never reaches the next.
/// </summary>
public sealed class WriterConnectionTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mrk-writer-");
    private readonly SqliteDatabase _database;

    public WriterConnectionTests()
    {
        _database = new SqliteDatabase(Path.Combine(_directory.FullName, "region.db"));
        _database.MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _database.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task TheSameConnection_AndTheSamePreparedCommand_ComeBack_WithoutTheLastUsesParameters()
    {
        const string Sql = "INSERT INTO node_meta (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value;";
        SqliteConnection first;
        SqliteCommand command;
        await using (var connection = await _database.OpenForWriteAsync(CancellationToken.None))
        {
            first = connection;
            using (command = connection.Command(Sql))
            {
                command.Parameters.AddWithValue("$name", "a");
                command.Parameters.AddWithValue("$value", new byte[] { 1 });
                await command.ExecuteNonQueryAsync();
            }
        }

        await using (var connection = await _database.OpenForWriteAsync(CancellationToken.None))
        {
            Assert.Same(first, connection);
            using var again = connection.Command(Sql);
            Assert.Same(command, again);
            Assert.Empty(again.Parameters);
            Assert.Null(again.Transaction);

            // The same statement asked for while it is in use: a command of its own.
            using var nested = connection.Command(Sql);
            Assert.NotSame(again, nested);
        }

        // The writer whose commits the next flush carries is a connection of its own.
        await using (var deferred = await _database.OpenForWriteAsync(WriteDurability.WithNextFlush, CancellationToken.None))
        {
            Assert.NotSame(first, deferred);
        }
    }

    [Fact]
    public async Task ATransactionLeftOpen_IsRolledBack_AndAClosedConnection_IsReplaced()
    {
        await using (var connection = await _database.OpenForWriteAsync(CancellationToken.None))
        {
            // Begun and never ended: a user that forgot, or one that failed between its statements.
            using var begin = connection.Command("BEGIN; INSERT INTO node_meta (name, value) VALUES ('left', x'00');");
            await begin.ExecuteNonQueryAsync();
        }

        SqliteConnection closed;
        await using (var connection = await _database.OpenForWriteAsync(CancellationToken.None))
        {
            using (var begin = connection.Command("BEGIN;"))
            {
                await begin.ExecuteNonQueryAsync(); // would fail inside the transaction left open
            }

            using (var count = connection.Command("SELECT COUNT(*) FROM node_meta WHERE name = 'left';"))
            {
                Assert.Equal(0L, await count.ExecuteScalarAsync());
            }

            using (var commit = connection.Command("COMMIT;"))
            {
                await commit.ExecuteNonQueryAsync();
            }

            closed = connection;
            await connection.CloseAsync();
        }

        await using var replaced = await _database.OpenForWriteAsync(CancellationToken.None);
        Assert.NotSame(closed, replaced);
        Assert.Equal(System.Data.ConnectionState.Open, replaced.State);
    }

    [Fact]
    public async Task WritesTakeTurns_AndNoneIsHandedOutAfterDispose()
    {
        var held = await _database.OpenForWriteAsync(CancellationToken.None);
        var second = _database.OpenForWriteAsync(WriteDurability.WithNextFlush, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        await held.DisposeAsync();
        await (await second.WaitAsync(TimeSpan.FromSeconds(10))).DisposeAsync();

        _database.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => _database.OpenForWriteAsync(CancellationToken.None));
    }
}
