using System.Collections.Concurrent;
using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// Access keys already looked up and unwrapped, by access key ID, so a signed request costs no store read and no
/// unwrap. A key is forgotten the moment it is revoked or its principal deleted, and a lookup that began before such a
/// change cannot put the old answer back (each change moves a generation every lookup checks before it adds). Bounded:
/// past <see cref="MaxEntries"/> the cache starts over. Secrets are zeroed when forgotten.
/// </summary>
public sealed class AccessKeyCache
{
    public const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, (Principal Principal, byte[] Secret)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _changes = new();
    private long _generation;

    /// <summary>Read before a lookup of the store; hand it to <see cref="Add"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>The principal and a copy of the secret (the caller zeroes it), or false when the key is not cached.</summary>
    public bool TryGet(string accessKeyId, out Principal principal, out byte[] secret)
    {
        if (_entries.TryGetValue(accessKeyId, out var entry))
        {
            (principal, secret) = (entry.Principal, entry.Secret.ToArray());
            return true;
        }

        (principal, secret) = (null!, []);
        return false;
    }

    /// <summary>Keeps a copy of what the store said, unless a key was revoked or a principal deleted since <paramref name="generation"/>.</summary>
    public void Add(string accessKeyId, Principal principal, ReadOnlySpan<byte> secret, long generation)
    {
        lock (_changes)
        {
            if (generation != _generation)
            {
                return;
            }

            if (_entries.Count >= MaxEntries)
            {
                ForgetAll();
            }

            _entries[accessKeyId] = (principal, secret.ToArray());
        }
    }

    public void Forget(string accessKeyId)
    {
        lock (_changes)
        {
            _generation++;
            if (_entries.TryRemove(accessKeyId, out var entry))
            {
                CryptographicOperations.ZeroMemory(entry.Secret);
            }
        }
    }

    public void ForgetPrincipal(string principalArn)
    {
        lock (_changes)
        {
            _generation++;
            foreach (var (id, entry) in _entries)
            {
                if (entry.Principal.Arn == principalArn && _entries.TryRemove(id, out var removed))
                {
                    CryptographicOperations.ZeroMemory(removed.Secret);
                }
            }
        }
    }

    private void ForgetAll()
    {
        foreach (var id in _entries.Keys)
        {
            if (_entries.TryRemove(id, out var removed))
            {
                CryptographicOperations.ZeroMemory(removed.Secret);
            }
        }
    }
}
