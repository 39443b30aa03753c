using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// The ephemeral private keys of this Region's outstanding key requests. They live only in memory: after a restart
/// the transfer that answers a lost request is ignored and anti-entropy asks again. Bounded; zeroed when dropped.
/// </summary>
public sealed class TransportRequests(TimeProvider time)
{
    public const int MaxOutstanding = 4096;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>How long a key with an outstanding request waits before asking again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Entry> _byMessage = new(StringComparer.Ordinal);

    /// <summary>True when a request for <paramref name="keyId"/> was made recently enough that another would only duplicate it.</summary>
    public bool HasRecent(string keyId)
    {
        var now = time.GetUtcNow();
        return _byMessage.Values.Any(e => e.KeyId == keyId && now - e.CreatedAt < RetryAfter);
    }

    public void Add(string messageId, string keyId, byte[] privateKey)
    {
        Sweep();
        _byMessage[messageId] = new Entry(keyId, privateKey, time.GetUtcNow());
    }

    /// <summary>The private key of request <paramref name="messageId"/> for <paramref name="keyId"/>, removed; null if unknown. The caller zeroes it.</summary>
    public byte[]? Take(string messageId, string keyId)
    {
        if (!_byMessage.TryGetValue(messageId, out var entry) || entry.KeyId != keyId || !_byMessage.TryRemove(messageId, out entry))
        {
            return null;
        }

        return entry.PrivateKey;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        var expired = _byMessage.Where(e => now - e.Value.CreatedAt > Lifetime).Select(e => e.Key).ToList();
        if (_byMessage.Count - expired.Count >= MaxOutstanding)
        {
            expired.AddRange(_byMessage.OrderBy(e => e.Value.CreatedAt).Take(_byMessage.Count - MaxOutstanding + 1).Select(e => e.Key));
        }

        foreach (var id in expired)
        {
            if (_byMessage.TryRemove(id, out var entry))
            {
                CryptographicOperations.ZeroMemory(entry.PrivateKey);
            }
        }
    }

    private sealed record Entry(string KeyId, byte[] PrivateKey, DateTimeOffset CreatedAt);
}
