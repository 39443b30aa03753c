using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// `rebuild`: prepares an empty data directory for a Region whose store was lost with no backup, before its node
/// first starts. A new store cannot tell a peer that never heard of this Region from one that applied thousands of its
/// envelopes, and numbered from the clock (one that may be set back) what it sends could be refused as replays. So the
/// store is marked: its first start asks every other Region where this Region's sequences stand and sends them nothing
/// else until they answer. The rejoin itself waits for the operator (`mrk cluster rebuild-region`), once the Region's
/// principals are back, since key policies bind to the principals that exist when a key arrives.
/// </summary>
public static class RegionRebuild
{
    /// <summary>node_meta: set by `rebuild`, read and cleared by the first start (which asks the other Regions).</summary>
    public const string AskPeersName = "ask-peers-pending";

    public static async Task<int> RunAsync(RegionNodeOptions options, CancellationToken cancellationToken)
    {
        EmptyDataDirectory.Require(options.DataDirectory, "rebuild");
        using var directoryLock = DataDirectoryLock.Acquire(options.DataDirectory);
        var path = RegionNodeSetup.StorePath(options);
        OwnerOnly.Store(path);
        using (var database = new SqliteDatabase(path))
        {
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            await new NodeMeta(database).SetAsync(AskPeersName, [1], cancellationToken).ConfigureAwait(false);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        DirectorySync.Flush(options.DataDirectory);
        await Console.Out.WriteLineAsync(
            $"Prepared an empty store for {options.Region}: on its first start it asks every other Region where its sequences stand "
            + "before it sends them anything. Start the node, add its principals again, then run: mrk cluster rebuild-region").ConfigureAwait(false);
        return 0;
    }
}
