using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// `rotate-domain-key`: re-wraps every material version of a stopped Region under a fresh domain key. Order: write
/// the new key to &lt;file&gt;.new, re-wrap everything and replace the check value in one transaction, then rename the
/// file over the old one. A crash at any point leaves either the old or the new key in force, never a mix
/// (<see cref="DomainKeyLoader"/> finishes the rename on the next start).
/// </summary>
public static class DomainKeyRotation
{
    public static async Task<int> RunAsync(RegionNodeOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        if (DomainKeyLoader.FromEnvironmentVariable)
        {
            throw new StartupRefusedException(
                $"rotate-domain-key works on a domain key file; unset {DomainKeyLoader.EnvironmentVariable} and pass --domain-key-file.");
        }

        using var directoryLock = DataDirectoryLock.Acquire(options.DataDirectory);
        using var database = new SqliteDatabase(RegionNodeSetup.StorePath(options));
        if (!File.Exists(database.Path))
        {
            throw new StartupRefusedException($"There is no store at {database.Path}.");
        }

        OwnerOnly.Store(database.Path);
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var oldKey = await DomainKeyLoader.LoadAsync(options, new NodeMeta(database), logger, cancellationToken).ConfigureAwait(false);
        var newKey = RandomNumberGenerator.GetBytes(32);
        var path = DomainKeyLoader.KeyFilePath(options);
        try
        {
            using var oldProtector = new DomainKeyProtector(oldKey, options.Region);
            using var newProtector = new DomainKeyProtector(newKey, options.Region);
            if (File.Exists(path + ".new"))
            {
                File.Delete(path + ".new");
            }

            await DomainKeyLoader.WriteKeyFileAsync(path + ".new", newKey, cancellationToken).ConfigureAwait(false);
            var count = await new MaterialRewrap(database).RunAsync((keyId, materialId, wrapped) =>
            {
                var material = oldProtector.Unwrap(wrapped, keyId, materialId);
                try
                {
                    return newProtector.Wrap(material, keyId, materialId);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(material);
                }
            }, DomainKeyLoader.CheckName, DomainKeyLoader.NewCheckValue(newProtector), cancellationToken).ConfigureAwait(false);
            File.Move(path + ".new", path, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
            Log.DomainKeyRotated(logger, path, count);
            return 0;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(oldKey);
            CryptographicOperations.ZeroMemory(newKey);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }
}
