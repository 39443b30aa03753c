using System.Globalization;
using System.Text;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// `restore --from &lt;backup&gt;`: places a backup (<c>mrk region backup</c>) in an empty data directory, for a stopped
/// Region, and checks it before the node may start on it: SQLite's integrity check, the Region it was taken of, the
/// domain key (the one the node will load must open the backup's check value), and the audit log's hash chain and
/// signed digests. Only then it records the restore at the end of the audit log, sealed with a signed digest, marks
/// the store to rejoin the cluster on its first start, and moves it into place. A check that fails leaves the data
/// directory as it was.
/// </summary>
public static class RegionRestore
{
    /// <summary>node_meta: set by a restore, read and cleared by the first start (which tells the other Regions).</summary>
    public const string RejoinPendingName = "rejoin-pending";

    public static async Task<int> RunAsync(RegionNodeOptions options, string backupFile, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!File.Exists(backupFile))
        {
            throw new StartupRefusedException($"There is no backup at {backupFile}.");
        }

        EmptyDataDirectory.Require(options.DataDirectory, "restore");

        using var directoryLock = DataDirectoryLock.Acquire(options.DataDirectory);
        var target = RegionNodeSetup.StorePath(options);
        var staging = target + ".restoring";
        File.Copy(backupFile, staging, overwrite: true);
        OwnerOnly.Store(staging);
        try
        {
            string report;
            try
            {
                report = await CheckAndMarkAsync(options, staging, time, cancellationToken).ConfigureAwait(false);
            }
            catch (SqliteException e)
            {
                throw new StartupRefusedException($"The backup is not a readable store: {e.Message}", e);
            }

            SqliteConnection.ClearAllPools();
            File.Move(staging, target);
            DirectorySync.Flush(options.DataDirectory);
            await Console.Out.WriteLineAsync(report).ConfigureAwait(false);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var leftover in new[] { staging, staging + "-wal", staging + "-shm", staging + "-journal" })
            {
                File.Delete(leftover);
            }
        }
    }

    private static async Task<string> CheckAndMarkAsync(RegionNodeOptions options, string staging, TimeProvider time, CancellationToken cancellationToken)
    {
        using var database = new SqliteDatabase(staging);
        await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            string integrity;
            try
            {
                using var check = connection.Command("PRAGMA integrity_check;");
                integrity = Convert.ToString(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) ?? "no answer";
            }
            catch (SqliteException e)
            {
                throw new StartupRefusedException($"The backup is not a readable store: {e.Message}", e);
            }

            if (integrity != "ok")
            {
                throw new StartupRefusedException($"The backup fails SQLite's integrity check: {integrity}");
            }
        }

        var meta = new NodeMeta(database);
        var backupRegion = await TextAsync(meta, StoreBackup.RegionName, cancellationToken).ConfigureAwait(false)
            ?? throw new StartupRefusedException("The file is not a backup made by mrk region backup (it names no Region and backup).");
        if (backupRegion != options.Region)
        {
            throw new StartupRefusedException($"The backup is of Region {backupRegion}, not {options.Region}.");
        }

        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var backupId = await TextAsync(meta, StoreBackup.IdName, cancellationToken).ConfigureAwait(false) ?? string.Empty;
        var takenAt = new DateTimeOffset(long.Parse(await TextAsync(meta, StoreBackup.TakenAtName, cancellationToken).ConfigureAwait(false) ?? "0",
            CultureInfo.InvariantCulture), TimeSpan.Zero);

        // Loaded as the node will load it: a key that does not open the check value refuses the restore here.
        var key = await DomainKeyLoader.LoadAsync(options, meta, NullLogger.Instance, cancellationToken).ConfigureAwait(false);
        using var holder = new DomainKeyHolder();
        try
        {
            holder.Set(new DomainKeyProtector(key, options.Region));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }

        var region = new RegionIdentity(options.Region, options.Partition, options.AccountId);
        var store = new AuditStore(database);
        using var signingKey = new AuditSigningKey(meta, holder);
        var verification = await new AuditVerifier(store, signingKey, region).VerifyAsync([], null, cancellationToken).ConfigureAwait(false);
        if (!verification.Valid)
        {
            throw new StartupRefusedException($"The backup's audit log does not verify: {verification.Problem}");
        }

        var sequence = await AuditRestoreRecord.AppendAsync(store, signingKey, region, time.GetUtcNow(), backupId, takenAt, cancellationToken)
            .ConfigureAwait(false);
        var rejoin = new RejoinMessage(RejoinMessage.Restore, backupId, takenAt);
        await meta.SetAsync(RejoinPendingName, PendingRejoin.Encode(rejoin), cancellationToken).ConfigureAwait(false);
        var keys = await meta.CountKeysAsync(cancellationToken).ConfigureAwait(false);
        return $"Restored backup {backupId} of {options.Region} taken at {takenAt:O}: {keys} keys, audit log verified through record {sequence - 1} "
               + $"({verification.DigestsChecked} signed digests), restore recorded as record {sequence}. "
               + "Start the node: it rejoins the cluster and the other Regions send it what changed since.";
    }

    private static async Task<string?> TextAsync(NodeMeta meta, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await meta.GetAsync(name, cancellationToken).ConfigureAwait(false) is { } value ? Encoding.UTF8.GetString(value) : null;
        }
        catch (SqliteException e)
        {
            throw new StartupRefusedException($"The file is not a backup made by mrk region backup: {e.Message}", e);
        }
    }
}

/// <summary>What the first start after a restore tells the other Regions, as node_meta keeps it ("reason\nbackup ID\nticks").</summary>
public static class PendingRejoin
{
    public static byte[] Encode(RejoinMessage rejoin) => Encoding.UTF8.GetBytes(
        $"{rejoin.Reason}\n{rejoin.BackupId}\n{(rejoin.RestoredTo ?? DateTimeOffset.UnixEpoch).UtcTicks.ToString(CultureInfo.InvariantCulture)}");

    public static RejoinMessage? Decode(byte[] value)
    {
        var parts = Encoding.UTF8.GetString(value).Split('\n');
        return parts.Length == 3 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? new RejoinMessage(parts[0], parts[1], new DateTimeOffset(ticks, TimeSpan.Zero))
            : null;
    }
}
