using System.Security.Cryptography;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// The ephemeral private keys of this Region's outstanding key requests. They live only in memory: after a restart
/// the transfer that answers a lost request is ignored and anti-entropy asks again. Bounded; zeroed when dropped.
/// A key that still waits asks again only after a retry time that follows how long answers have been taking (4x a
/// moving average, at least 5 s), doubled for each request already outstanding, at most 10 min; and every earlier
/// request stays answerable until it expires. Under a backlog of thousands of replications an answer may take minutes:
/// a Region that replaced its request on every anti-entropy pass would ignore every answer that arrives, and one that
/// re-asked every few seconds would bury the primary in duplicate requests.
/// </summary>
public sealed class TransportRequests(TimeProvider time)
{
    /// <summary>At about 400 bytes each, the bound costs at most ~26 MB of memory in the largest burst.</summary>
    public const int MaxOutstanding = 65_536;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(30);

    /// <summary>The shortest wait of a key with one outstanding request before it asks again; doubles with each further one.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byMessage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byKey = new(StringComparer.Ordinal);
    private TimeSpan _answerTime;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byMessage.Count;
            }
        }
    }

    /// <summary>True when <paramref name="keyId"/> asked recently enough that another request would only duplicate the ones in flight.</summary>
    public bool HasRecent(string keyId)
    {
        lock (_gate)
        {
            if (!_byKey.TryGetValue(keyId, out var ids) || ids.Count == 0)
            {
                return false;
            }

            var newest = _byMessage[ids[^1]].CreatedAt;
            var first = Math.Max(RetryAfter.Ticks, _answerTime.Ticks * 4);
            var wait = TimeSpan.FromTicks(Math.Min(MaxRetryAfter.Ticks, first << Math.Min(ids.Count - 1, 20)));
            return time.GetElapsedTime(newest) < wait;
        }
    }

    /// <summary>Remembers request <paramref name="messageId"/> for <paramref name="keyId"/>, sent to <paramref name="destination"/>: only that Region's answer is taken.</summary>
    public void Add(string messageId, string keyId, byte[] privateKey, string destination)
    {
        lock (_gate)
        {
            Sweep();
            _byMessage[messageId] = new Entry(keyId, privateKey, time.GetTimestamp(), destination);
            if (!_byKey.TryGetValue(keyId, out var ids))
            {
                _byKey[keyId] = ids = [];
            }

            ids.Add(messageId);
        }
    }

    /// <summary>
    /// The private key of request <paramref name="messageId"/> for <paramref name="keyId"/>, removed, when
    /// <paramref name="source"/> is the Region it was sent to; null otherwise. An answer from any other Region is not
    /// taken and leaves the request waiting for its own (<paramref name="fromElsewhere"/> says so). The caller zeroes the key.
    /// </summary>
    public byte[]? Take(string messageId, string keyId, string source, out bool fromElsewhere)
    {
        lock (_gate)
        {
            fromElsewhere = false;
            if (!_byMessage.TryGetValue(messageId, out var entry) || entry.KeyId != keyId)
            {
                return null;
            }

            if (entry.Destination != source)
            {
                fromElsewhere = true;
                return null;
            }

            Remove(messageId);
            var took = time.GetElapsedTime(entry.CreatedAt);
            _answerTime = _answerTime == TimeSpan.Zero ? took : (_answerTime * 0.8) + (took * 0.2);
            return entry.PrivateKey;
        }
    }

    /// <summary>Drops (and zeroes) every other request of <paramref name="keyId"/> once a transfer has brought its material, so a
    /// later request for the next version is not held back by old ones.</summary>
    public void Answered(string keyId)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(keyId, out var ids))
            {
                foreach (var id in ids.ToList())
                {
                    CryptographicOperations.ZeroMemory(_byMessage[id].PrivateKey);
                    Remove(id);
                }
            }
        }
    }

    private void Sweep()
    {
        var expired = _byMessage.Where(e => time.GetElapsedTime(e.Value.CreatedAt) > Lifetime).Select(e => e.Key).ToList();
        if (_byMessage.Count - expired.Count >= MaxOutstanding)
        {
            expired.AddRange(_byMessage.OrderBy(e => e.Value.CreatedAt).Take(_byMessage.Count - MaxOutstanding + 1).Select(e => e.Key));
        }

        foreach (var id in expired.Distinct())
        {
            if (_byMessage.TryGetValue(id, out var entry))
            {
                CryptographicOperations.ZeroMemory(entry.PrivateKey);
                Remove(id);
            }
        }
    }

    private void Remove(string messageId)
    {
        if (_byMessage.Remove(messageId, out var entry) && _byKey.TryGetValue(entry.KeyId, out var ids))
        {
            ids.Remove(messageId);
            if (ids.Count == 0)
            {
                _byKey.Remove(entry.KeyId);
            }
        }
    }

    /// <summary><paramref name="CreatedAt"/> is a monotonic timestamp: a wall clock set back must not make a request look recent for days.</summary>
    private sealed record Entry(string KeyId, byte[] PrivateKey, long CreatedAt, string Destination);
}
