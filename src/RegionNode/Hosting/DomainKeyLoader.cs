using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// Finds the Region's domain key: MRK_DOMAIN_KEY (base64), else the configured file, else &lt;data&gt;/domain.key,
/// created with mode 0600 only when the store is new. A store that already holds wrapped material refuses to start
/// with a missing or different domain key, rather than fail on every call later. Finishes a domain-key rotation that
/// was interrupted between its commit and its file rename.
/// </summary>
public static class DomainKeyLoader
{
    public const string EnvironmentVariable = "MRK_DOMAIN_KEY";
    public const string CheckName = "domain_key_check";
    private const string CheckKeyId = "domain-key-check";
    private static readonly string CheckMaterialId = new('0', 64);

    public static async Task<byte[]> LoadAsync(RegionNodeOptions options, NodeMeta meta, ILogger logger, CancellationToken cancellationToken)
    {
        var check = await meta.GetAsync(CheckName, cancellationToken).ConfigureAwait(false);
        var key = FromEnvironment() ?? await FromFileAsync(options, check, logger, cancellationToken).ConfigureAwait(false);
        if (check is null)
        {
            using var protector = new DomainKeyProtector(key, options.Region);
            await meta.SetAsync(CheckName, NewCheckValue(protector), cancellationToken).ConfigureAwait(false);
            return key;
        }

        if (Verifies(key, options.Region, check))
        {
            return key;
        }

        CryptographicOperations.ZeroMemory(key);
        throw new StartupRefusedException(
            "The domain key does not match the one this Region's store was created with; refusing to start. "
            + "Restore the original domain key (file or MRK_DOMAIN_KEY).");
    }

    public static string KeyFilePath(RegionNodeOptions options) => options.DomainKeyFile ?? Path.Combine(options.DataDirectory, "domain.key");

    public static bool FromEnvironmentVariable => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>A random value wrapped under the key: it unwraps only under the same key (AES-GCM authenticates).</summary>
    public static byte[] NewCheckValue(DomainKeyProtector protector)
    {
        var value = RandomNumberGenerator.GetBytes(32);
        try
        {
            return protector.Wrap(value, CheckKeyId, CheckMaterialId);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(value);
        }
    }

    public static bool Verifies(byte[] key, string region, byte[] check)
    {
        using var protector = new DomainKeyProtector(key, region);
        try
        {
            CryptographicOperations.ZeroMemory(protector.Unwrap(check, CheckKeyId, CheckMaterialId));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Writes a key file readable by its owner only, durably, refusing to overwrite one.</summary>
    public static async Task WriteKeyFileAsync(string path, byte[] key, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var file = new FileStream(path, create))
        {
            await file.WriteAsync(key, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }

        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public static async Task<byte[]> ReadKeyFileAsync(string path, ILogger? logger, CancellationToken cancellationToken)
    {
        // A key others can read is a key others may have copied: refuse it rather than serve under it.
        if (OthersMayAccess(path))
        {
            throw new StartupRefusedException(
                $"The domain key file {path} can be read or written by other users: make it readable by its owner only (chmod 600), "
                + "and if others could read it, rotate the domain key (rotate-domain-key).");
        }

        return await KeyInAsync(path, cancellationToken).ConfigureAwait(false)
            ?? throw new StartupRefusedException($"Domain key file {path} must hold 32 raw bytes or their base64 text.");
    }

    private static bool OthersMayAccess(string path) =>
        !OperatingSystem.IsWindows()
        && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    /// <summary>The key a file holds (32 raw bytes or their base64 text), or null when it holds none.</summary>
    private static async Task<byte[]?> KeyInAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return bytes.Length == 32 ? [.. bytes] : Decode(System.Text.Encoding.ASCII.GetString(bytes).Trim());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static byte[]? FromEnvironment()
    {
        if (!FromEnvironmentVariable)
        {
            return null;
        }

        return Decode(Environment.GetEnvironmentVariable(EnvironmentVariable)!.Trim())
            ?? throw new StartupRefusedException($"{EnvironmentVariable} must be 32 bytes, base64-encoded.");
    }

    private static async Task<byte[]> FromFileAsync(RegionNodeOptions options, byte[]? check, ILogger logger, CancellationToken cancellationToken)
    {
        var path = KeyFilePath(options);
        await FinishInterruptedRotationAsync(path, options.Region, check, logger, cancellationToken).ConfigureAwait(false);
        if (File.Exists(path))
        {
            return await ReadKeyFileAsync(path, logger, cancellationToken).ConfigureAwait(false);
        }

        if (check is not null)
        {
            throw new StartupRefusedException(
                $"Domain key file {path} is missing, but this Region's store holds material wrapped under a domain key; "
                + "refusing to start. Restore the file (or set MRK_DOMAIN_KEY); a new key could not read the existing keys.");
        }

        var key = RandomNumberGenerator.GetBytes(32);
        await WriteKeyFileAsync(path, key, cancellationToken).ConfigureAwait(false);
        Log.DomainKeyCreated(logger, path);
        return key;
    }

    /// <summary>
    /// A rotation writes &lt;file&gt;.new durably, commits the re-wrapped store, then renames. If it stopped anywhere in
    /// between, the check value tells which key the store is under: keep that one. A .new that holds no whole key was
    /// cut short while being written, before the store changed: the store is under the old key, and it goes.
    /// </summary>
    private static async Task FinishInterruptedRotationAsync(string path, string region, byte[]? check, ILogger logger,
        CancellationToken cancellationToken)
    {
        var pending = path + ".new";
        if (!File.Exists(pending) || check is null)
        {
            return;
        }

        var next = await TryReadPendingAsync(pending, cancellationToken).ConfigureAwait(false);
        var storeUsesNext = next is not null && Verifies(next, region, check);
        if (next is not null)
        {
            CryptographicOperations.ZeroMemory(next);
        }

        if (storeUsesNext)
        {
            File.Move(pending, path, overwrite: true);
            Log.DomainKeyRotationFinished(logger, path);
        }
        else
        {
            File.Delete(pending);
            Log.DomainKeyRotationAbandoned(logger, pending);
        }

        DirectorySync.Flush(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>The key a rotation's .new file holds, or null when it holds none (cut short while being written).</summary>
    private static async Task<byte[]?> TryReadPendingAsync(string pending, CancellationToken cancellationToken)
    {
        if (OthersMayAccess(pending))
        {
            // Rotation writes it owner-only from the start: one others can read is not ours to trust, nor to delete.
            throw new StartupRefusedException(
                $"The pending domain key file {pending} can be read or written by other users; it was not written by a rotation. "
                + "Move it away and start again.");
        }

        return await KeyInAsync(pending, cancellationToken).ConfigureAwait(false);
    }

    private static byte[]? Decode(string base64)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64, buffer, out var written) && written == 32 ? buffer[..32] : null;
    }
}
