using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// Finds the Region's domain key: MRK_DOMAIN_KEY (base64), else the configured file, else &lt;data&gt;/domain.key,
/// created with mode 0600 only when the store is new. A store that already holds wrapped material refuses to start
/// with a missing or different domain key, rather than fail on every call later.
/// </summary>
public static class DomainKeyLoader
{
    public const string EnvironmentVariable = "MRK_DOMAIN_KEY";
    private const string CheckName = "domain_key_check";
    private const string CheckKeyId = "domain-key-check";
    private static readonly string CheckMaterialId = new('0', 64);

    public static async Task<byte[]> LoadAsync(RegionNodeOptions options, NodeMeta meta, ILogger logger, CancellationToken cancellationToken)
    {
        var check = await meta.GetAsync(CheckName, cancellationToken).ConfigureAwait(false);
        var key = FromEnvironment() ?? await FromFileAsync(options, check is not null, logger, cancellationToken).ConfigureAwait(false);

        using var protector = new DomainKeyProtector(key, options.Region);
        if (check is null)
        {
            var value = RandomNumberGenerator.GetBytes(32);
            await meta.SetAsync(CheckName, protector.Wrap(value, CheckKeyId, CheckMaterialId), cancellationToken).ConfigureAwait(false);
            CryptographicOperations.ZeroMemory(value);
            return key;
        }

        try
        {
            // AES-GCM authenticates: the check value unwraps only under the key that wrapped it.
            CryptographicOperations.ZeroMemory(protector.Unwrap(check, CheckKeyId, CheckMaterialId));
            return key;
        }
        catch (CryptographicException e)
        {
            CryptographicOperations.ZeroMemory(key);
            throw new StartupRefusedException(
                "The domain key does not match the one this Region's store was created with; refusing to start. "
                + "Restore the original domain key (file or MRK_DOMAIN_KEY).", e);
        }
    }

    private static byte[]? FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Decode(value.Trim()) ?? throw new StartupRefusedException($"{EnvironmentVariable} must be 32 bytes, base64-encoded.");
    }

    private static async Task<byte[]> FromFileAsync(RegionNodeOptions options, bool storeInUse, ILogger logger, CancellationToken cancellationToken)
    {
        var path = options.DomainKeyFile ?? Path.Combine(options.DataDirectory, "domain.key");
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                Log.DomainKeyTooOpen(logger, path);
            }

            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            if (bytes.Length == 32)
            {
                return bytes;
            }

            return Decode(System.Text.Encoding.ASCII.GetString(bytes).Trim())
                ?? throw new StartupRefusedException($"Domain key file {path} must hold 32 raw bytes or their base64 text.");
        }

        if (storeInUse)
        {
            throw new StartupRefusedException(
                $"Domain key file {path} is missing, but this Region's store holds material wrapped under a domain key; "
                + "refusing to start. Restore the file (or set MRK_DOMAIN_KEY); a new key could not read the existing keys.");
        }

        var key = RandomNumberGenerator.GetBytes(32);
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

        Log.DomainKeyCreated(logger, path);
        return key;
    }

    private static byte[]? Decode(string base64)
    {
        var buffer = new byte[64];
        return Convert.TryFromBase64String(base64, buffer, out var written) && written == 32 ? buffer[..32] : null;
    }
}
