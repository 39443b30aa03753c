using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// Private keys already imported into runtime key objects, so a signature does not pay for parsing and checking the
/// PKCS#8 key each time (the check dominates an RSA signature). Objects are found by a hash of the PKCS#8 bytes and
/// used by one call at a time; <see cref="Forget"/> disposes them when the plaintext they came from is zeroed.
/// </summary>
internal sealed class LoadedKeyPool
{
    private static readonly int IdlePerKey = Math.Max(2, Environment.ProcessorCount * 2);

    private readonly ConcurrentDictionary<string, ConcurrentBag<AsymmetricAlgorithm>> _pools = new(StringComparer.Ordinal);

    public int Count => _pools.Count;

    public delegate TKey Loader<out TKey>(ReadOnlySpan<byte> pkcs8);

    public TResult Use<TKey, TResult>(ReadOnlySpan<byte> pkcs8, Loader<TKey> load, Func<TKey, TResult> operation)
        where TKey : AsymmetricAlgorithm
    {
        var fingerprint = Fingerprint(pkcs8);
        var pool = _pools.GetOrAdd(fingerprint, _ => []);
        var key = pool.TryTake(out var idle) && idle is TKey loaded ? loaded : load(pkcs8);
        try
        {
            return operation(key);
        }
        finally
        {
            Return(fingerprint, key);
        }
    }

    /// <summary>Disposes every loaded object made from <paramref name="pkcs8"/>.</summary>
    public void Forget(ReadOnlySpan<byte> pkcs8)
    {
        if (_pools.TryRemove(Fingerprint(pkcs8), out var pool))
        {
            while (pool.TryTake(out var key))
            {
                key.Dispose();
            }
        }
    }

    private void Return(string fingerprint, AsymmetricAlgorithm key)
    {
        if (_pools.TryGetValue(fingerprint, out var pool) && pool.Count < IdlePerKey)
        {
            pool.Add(key);
            // Forgotten meanwhile: the pool is no longer reachable, so empty it here.
            if (!_pools.TryGetValue(fingerprint, out var current) || !ReferenceEquals(current, pool))
            {
                while (pool.TryTake(out var stale))
                {
                    stale.Dispose();
                }
            }

            return;
        }

        key.Dispose();
    }

    private static string Fingerprint(ReadOnlySpan<byte> pkcs8) => Convert.ToHexString(SHA256.HashData(pkcs8));
}
