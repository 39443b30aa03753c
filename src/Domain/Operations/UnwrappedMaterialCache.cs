using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>An operation that reads a version's plaintext material; it cannot change or keep it.</summary>
public delegate T MaterialOperation<out T>(ReadOnlySpan<byte> material);

/// <summary>Told about plaintext material just before it is zeroed, to drop anything derived from it.</summary>
public delegate void MaterialReleased(ReadOnlySpan<byte> material);

/// <summary>
/// Plaintext material of recently used versions, so a crypto call does not unwrap under the domain key each time.
/// Bounded; an entry is zeroed when it leaves the cache and no call is still using it. Whether a version may be used
/// at all is decided before the cache is asked (from the stored key), so a cached copy never makes unusable material usable.
/// </summary>
public sealed class UnwrappedMaterialCache(int capacity, MaterialReleased? released = null) : IDisposable
{
    public const int DefaultCapacity = 4096;

    private readonly ConcurrentDictionary<(string KeyId, string MaterialId), Entry> _entries = new();
    private readonly Lock _evict = new();
    private long _forgotten;
    private long _hits;
    private long _misses;

    public int Count => _entries.Count;

    /// <summary>Uses that found the version unwrapped, and uses that had to unwrap it, since the node started.</summary>
    public (long Hits, long Misses) Lookups => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    /// <summary>Runs <paramref name="operation"/> with the plaintext of a version, unwrapping it with <paramref name="unwrap"/> on a miss.</summary>
    public T Use<T>(string keyId, string materialId, Func<byte[]> unwrap, MaterialOperation<T> operation)
    {
        if (_entries.TryGetValue((keyId, materialId), out var entry) && entry.TryAcquire())
        {
            Interlocked.Increment(ref _hits);
            try
            {
                return operation(entry.Material);
            }
            finally
            {
                entry.Release();
            }
        }

        Interlocked.Increment(ref _misses);
        var generation = Volatile.Read(ref _forgotten);
        var fresh = new Entry(unwrap(), released);
        fresh.TryAcquire();
        try
        {
            Add((keyId, materialId), fresh, generation);
            return operation(fresh.Material);
        }
        finally
        {
            fresh.Release();
        }
    }

    /// <summary>Drops (and zeroes, once unused) every cached version of a key: called after any write to it.</summary>
    public void Forget(string keyId)
    {
        lock (_evict)
        {
            _forgotten++;
        }

        foreach (var cached in _entries.Keys)
        {
            if (cached.KeyId == keyId && _entries.TryRemove(cached, out var entry))
            {
                entry.Release();
            }
        }
    }

    public void Dispose()
    {
        foreach (var cached in _entries.Keys)
        {
            if (_entries.TryRemove(cached, out var entry))
            {
                entry.Release();
            }
        }
    }

    /// <summary>Caches a freshly unwrapped version unless its key was written since the unwrap began.</summary>
    private void Add((string, string) id, Entry entry, long generation)
    {
        if (capacity <= 0)
        {
            entry.Release();
            return;
        }

        lock (_evict)
        {
            if (generation != _forgotten)
            {
                entry.Release();
                return;
            }

            if (_entries.Count >= capacity)
            {
                Dispose();
            }

            if (!_entries.TryAdd(id, entry))
            {
                // Another call cached the same version first; this copy is zeroed when the caller is done with it.
                entry.Release();
            }
        }
    }

    /// <summary>
    /// Plaintext with a use count: the cache holds one reference, each call in progress another; the last one out
    /// zeroes it, so eviction never pulls material from under a running operation.
    /// </summary>
    private sealed class Entry(byte[] material, MaterialReleased? released)
    {
        private int _references = 1;

        public byte[] Material { get; } = material;

        public bool TryAcquire()
        {
            while (true)
            {
                var seen = Volatile.Read(ref _references);
                if (seen == 0)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref _references, seen + 1, seen) == seen)
                {
                    return true;
                }
            }
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0)
            {
                try
                {
                    released?.Invoke(Material);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(Material);
                }
            }
        }
    }
}
