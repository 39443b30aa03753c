using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// A change applied from another Region defers its flush to the inbox's next flushed commit, on a writer connection of
/// its own; every other write flushes its commit.
/// </summary>
public sealed class WriteDurabilityTests
{
    [Fact]
    public async Task WithNextFlush_OnlyThatConnectionSkipsTheFlush_TheNextOpenFlushesAgain()
    {
        using var temp = new TempStore();
        await using (var deferred = await temp.Database.OpenForWriteAsync(WriteDurability.WithNextFlush, CancellationToken.None))
        {
            Assert.Equal(1L, await SynchronousAsync(deferred)); // NORMAL: in WAL mode, flushed at the next FULL commit or checkpoint
        }

        await using (var again = await temp.Database.OpenForWriteAsync(CancellationToken.None))
        {
            Assert.Equal(2L, await SynchronousAsync(again)); // FULL
        }

        await using var immediate = await temp.Database.OpenForWriteAsync(WriteDurability.Immediate, CancellationToken.None);
        Assert.Equal(2L, await SynchronousAsync(immediate));
    }

    private static async Task<long> SynchronousAsync(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous;";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
