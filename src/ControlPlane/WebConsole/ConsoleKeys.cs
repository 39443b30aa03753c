using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.ControlPlane.WebConsole;

/// <summary>
/// The console's operator API keys (<c>--console-keys-file</c>, written by <c>mrk cluster console-key</c>). The file is
/// read again whenever it changes, so a key added or revoked counts from the next request without a restart; a file
/// that can no longer be read or parsed admits no key at all until it is fixed.
/// </summary>
public sealed class ConsoleKeys
{
    private readonly string? _path;
    private readonly ILogger<ConsoleKeys> _logger;
    private readonly Lock _gate = new();
    private (DateTime Written, long Length) _version;
    private IReadOnlyList<ConsoleKeyFile.Entry> _entries = [];

    public ConsoleKeys(string? path, ILogger<ConsoleKeys> logger)
    {
        _path = string.IsNullOrWhiteSpace(path) ? null : path;
        _logger = logger;
        if (_path is not null)
        {
            // At start a missing or malformed file refuses the start, rather than a console nobody can sign in to.
            _entries = ConsoleKeyFile.Parse(File.ReadAllText(_path));
            _version = VersionOf(_path);
        }
    }

    /// <summary>Whether keys are configured at all (then the console offers its sign-in page).</summary>
    public bool Configured => _path is not null;

    public int Count => Current().Count;

    /// <summary>The key a token belongs to, or null when the token is not one of the file's keys.</summary>
    public ConsoleKeyFile.Entry? Authenticate(string token)
    {
        if (ConsoleKeyFile.ParseToken(token) is not var (keyId, secret))
        {
            return null;
        }

        var entry = Current().FirstOrDefault(e => e.KeyId == keyId);
        return entry is not null && ConsoleKeyFile.Matches(entry, secret) ? entry : null;
    }

    /// <summary>Whether a key is still in the file (a session ends when its key is revoked).</summary>
    public bool Holds(string keyId) => Current().Any(e => e.KeyId == keyId);

    private IReadOnlyList<ConsoleKeyFile.Entry> Current()
    {
        if (_path is null)
        {
            return [];
        }

        lock (_gate)
        {
            try
            {
                var version = VersionOf(_path);
                if (version != _version)
                {
                    _entries = ConsoleKeyFile.Parse(File.ReadAllText(_path));
                    _version = version;
                    ConsoleLog.KeysReloaded(_logger, _path, _entries.Count);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                _entries = [];
                _version = default;
                ConsoleLog.KeysUnreadable(_logger, _path, e.Message);
            }

            return _entries;
        }
    }

    private static (DateTime, long) VersionOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : throw new FileNotFoundException("the file is gone", path);
    }
}
