using System.Collections.Concurrent;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// The stored rows of recently read keys (the key row and its material rows, material still wrapped), so a crypto
/// call does not query SQLite. Each read builds fresh domain objects from the rows, so a caller changing its copy
/// changes nothing here. A write to a key drops its entry before it starts and again after it ends, and nothing is put
/// back for that key while it runs: otherwise, between the commit and the end of the write, another call could be
/// served the rows as they were before a change every direct read of the store already shows. A read that raced with a
/// write does not put what it read back either (the write generation it started under must still be current).
/// </summary>
internal sealed class KeyRowCache(int capacity)
{
    internal sealed record Rows(object[] Key, IReadOnlyList<object[]> Materials);

    private readonly ConcurrentDictionary<string, Rows> _entries = new(StringComparer.Ordinal);
    private readonly Lock _fill = new();
    private readonly Dictionary<string, int> _writing = new(StringComparer.Ordinal);
    private long _generation;

    public int Count => _entries.Count;

    /// <summary>Read before querying the store; pass to <see cref="Put"/>.</summary>
    public long Generation => Volatile.Read(ref _generation);

    private long _hits;
    private long _misses;

    /// <summary>Reads that found the key's rows here, and reads that went to the store, since the node started.</summary>
    public (long Hits, long Misses) Lookups => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    public bool TryGet(string keyId, out Rows rows)
    {
        var found = _entries.TryGetValue(keyId, out rows!);
        Interlocked.Increment(ref found ? ref _hits : ref _misses);
        return found;
    }

    /// <summary>Remembers rows read under <paramref name="generation"/> unless a write happened since.</summary>
    public void Put(string keyId, Rows rows, long generation)
    {
        if (capacity <= 0)
        {
            return;
        }

        lock (_fill)
        {
            if (generation != _generation || _writing.ContainsKey(keyId))
            {
                return;
            }

            if (_entries.Count >= capacity && !_entries.ContainsKey(keyId))
            {
                // Rows hold only wrapped material, so dropping any entry is safe; a full cache simply starts over.
                _entries.Clear();
            }

            _entries[keyId] = rows;
        }
    }

    /// <summary>Call before every write to <paramref name="keyId"/>; pair with <see cref="EndWrite"/>.</summary>
    public void BeginWrite(string keyId)
    {
        lock (_fill)
        {
            _writing[keyId] = _writing.GetValueOrDefault(keyId) + 1;
            Drop(keyId);
        }
    }

    /// <summary>Call after every write to <paramref name="keyId"/> (committed or not).</summary>
    public void EndWrite(string keyId)
    {
        lock (_fill)
        {
            var writes = _writing.GetValueOrDefault(keyId) - 1;
            if (writes > 0)
            {
                _writing[keyId] = writes;
            }
            else
            {
                _writing.Remove(keyId);
            }

            Drop(keyId);
        }
    }

    private void Drop(string keyId)
    {
        _generation++;
        _entries.TryRemove(keyId, out _);
    }
}
