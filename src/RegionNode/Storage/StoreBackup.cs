using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Model;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>A consistent copy of the store in a file of its own, deleted when disposed.</summary>
public sealed record BackupCopy(string Path, string BackupId, DateTimeOffset TakenAt, long Size, long Keys, long AuditSequence, string Sha256) : IDisposable
{
    public void Dispose() => File.Delete(Path);
}

/// <summary>
/// Online backups: <c>VACUUM INTO</c> copies the store as one read transaction sees it, so writers go on meanwhile and
/// the copy is consistent (every change in it whole, none half). The copy is stamped with its own ID, time and Region
/// in <c>node_meta</c>, so a restore knows what it holds. Material in it is wrapped under the domain key, as in the
/// store; the domain key's check value comes with <c>node_meta</c>, the key itself never.
/// </summary>
public sealed class StoreBackup(SqliteDatabase database, RegionIdentity region, TimeProvider time)
{
    public const string IdName = "backup-id";
    public const string TakenAtName = "backup-taken-at";
    public const string RegionName = "backup-region";

    /// <summary>Copies left behind by a node that stopped while sending one are removed after this long.</summary>
    private static readonly TimeSpan LeftoverAge = TimeSpan.FromHours(1);

    public string Folder => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(database.Path)!, "backups");

    public async Task<BackupCopy> TakeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        RemoveLeftovers();
        var id = Guid.NewGuid().ToString("N");
        var path = System.IO.Path.Combine(Folder, $"{id}.db");
        try
        {
            await using (var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false))
            {
                using var vacuum = connection.Command("VACUUM INTO $path;");
                vacuum.Parameters.AddWithValue("$path", path);
                await vacuum.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var takenAt = time.GetUtcNow();
            var (keys, auditSequence) = await StampAsync(path, id, takenAt, cancellationToken).ConfigureAwait(false);
            var size = new FileInfo(path).Length;
            string sha256;
            await using (var file = File.OpenRead(path))
            {
                sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
            }

            return new BackupCopy(path, id, takenAt, size, keys, auditSequence, sha256);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Names the copy (ID, time, Region) inside it, and reads what it holds.</summary>
    private async Task<(long Keys, long AuditSequence)> StampAsync(string path, string id, DateTimeOffset takenAt, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        using (var mode = connection.Command("PRAGMA journal_mode = DELETE;"))
        {
            await mode.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (name, value) in new[]
                 {
                     (IdName, id), (TakenAtName, takenAt.UtcTicks.ToString(CultureInfo.InvariantCulture)), (RegionName, region.Region),
                 })
        {
            using var stamp = connection.Command("INSERT INTO node_meta (name, value) VALUES ($name, $value) ON CONFLICT (name) DO UPDATE SET value = excluded.value;");
            stamp.Parameters.AddWithValue("$name", name);
            stamp.Parameters.Add("$value", SqliteType.Blob).Value = Encoding.UTF8.GetBytes(value);
            await stamp.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var count = connection.Command("SELECT (SELECT COUNT(*) FROM keys), (SELECT coalesce(max(sequence), 0) FROM audit_records);");
        await using var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private void RemoveLeftovers()
    {
        foreach (var file in Directory.EnumerateFiles(Folder, "*.db"))
        {
            if (time.GetUtcNow() - File.GetLastWriteTimeUtc(file) > LeftoverAge)
            {
                File.Delete(file);
            }
        }
    }
}
