using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// The operator API keys of the web console, kept in a text file the ControlPlane reads (a Kubernetes Secret, a file
/// beside the certificates). A key is a token <c>mrkc_&lt;key id&gt;_&lt;secret&gt;</c> shown once when created; the
/// file holds only the SHA-256 of its secret, one key per line:
/// <c>&lt;key id&gt; sha256:&lt;base64url hash&gt; &lt;created, ISO 8601&gt; [label]</c>. Lines starting with # are comments.
/// The secret is 256 random bits, so an unsalted hash is as strong as the secret; removing a line revokes the key.
/// </summary>
public static partial class ConsoleKeyFile
{
    public const string TokenPrefix = "mrkc_";

    public sealed record Entry(string KeyId, byte[] SecretHash, DateTimeOffset CreatedAt, string Label);

    /// <summary>Creates a key, appends it to the file (created with owner-only permissions when new) and returns the token.</summary>
    public static (Entry Entry, string Token) Create(string path, string label, TimeProvider time)
    {
        label = label.Trim();
        if (label.Any(char.IsControl))
        {
            throw new ArgumentException("The label must be one line of text.");
        }

        var existing = File.Exists(path) ? Parse(File.ReadAllText(path)) : [];
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = RandomNumberGenerator.GetBytes(32);
        var token = TokenPrefix + keyId + "_" + Base64Url.EncodeToString(secret);
        var entry = new Entry(keyId, SHA256.HashData(secret), time.GetUtcNow(), label);
        if (existing.Any(e => e.KeyId == keyId))
        {
            throw new InvalidOperationException("A key ID repeated; try again.");
        }

        var line = Format(entry) + "\n";
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var created = new StreamWriter(new FileStream(path, options), new UTF8Encoding(false));
            created.Write("# Operator API keys of the Grpc.Mrk web console: key ID, SHA-256 of the secret, created, label.\n" + line);
        }
        else
        {
            File.AppendAllText(path, line);
        }

        return (entry, token);
    }

    /// <summary>Removes a key's line; false when the file holds no such key.</summary>
    public static bool Revoke(string path, string keyId)
    {
        var lines = File.ReadAllLines(path);
        var kept = lines.Where(l => !(EntryLine(l) is { } e && e.KeyId == keyId)).ToList();
        if (kept.Count == lines.Length)
        {
            return false;
        }

        // Written beside the file and moved over it, so a reader never sees half of it.
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, string.Join('\n', kept) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
        }

        File.Move(temporary, path, overwrite: true);
        return true;
    }

    /// <summary>Every key of a file's text; a line that is neither a key, a comment nor blank is refused with its number.</summary>
    public static IReadOnlyList<Entry> Parse(string text)
    {
        var entries = new List<Entry>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var entry = EntryLine(trimmed) ?? throw new FormatException(
                $"line {number} is not '<key id> sha256:<hash> <created> [label]' (key ID: 16 lower-case hex digits)");
            if (entries.Any(e => e.KeyId == entry.KeyId))
            {
                throw new FormatException($"line {number} repeats key ID {entry.KeyId}");
            }

            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>The key ID and secret of a token, or null when the text is not one.</summary>
    public static (string KeyId, byte[] Secret)? ParseToken(string token)
    {
        var match = TokenPattern().Match(token);
        if (!match.Success)
        {
            return null;
        }

        try
        {
            return (match.Groups[1].Value, Base64Url.DecodeFromChars(match.Groups[2].Value));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="secret"/> is the one the entry was created with (in constant time).</summary>
    public static bool Matches(Entry entry, byte[] secret) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(secret), entry.SecretHash);

    private static string Format(Entry e) =>
        $"{e.KeyId} sha256:{Base64Url.EncodeToString(e.SecretHash)} {e.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}"
        + (e.Label.Length > 0 ? " " + e.Label : "");

    private static Entry? EntryLine(string line)
    {
        var match = LinePattern().Match(line.Trim());
        if (!match.Success
            || !DateTimeOffset.TryParse(match.Groups[3].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created))
        {
            return null;
        }

        byte[] hash;
        try
        {
            hash = Base64Url.DecodeFromChars(match.Groups[2].Value);
        }
        catch (FormatException)
        {
            return null;
        }

        return hash.Length == SHA256.HashSizeInBytes ? new Entry(match.Groups[1].Value, hash, created, match.Groups[4].Value.Trim()) : null;
    }

    [GeneratedRegex("^mrkc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"^([0-9a-f]{16}) sha256:([A-Za-z0-9_-]{43}) (\S+)(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LinePattern();
}
