using System.Collections.Concurrent;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// The stored rows of recently read keys (the key row and its material rows, material still wrapped), so a crypto
/// call does not query SQLite. Each read builds fresh domain objects from the rows, so a caller changing its copy
/// changes nothing here. Every write to a key drops its entry after the write; a read that raced with a write does not
/// put what it read back (the write generation it started under must still be current).
/// </summary>
internal sealed class KeyRowCache(int capacity)
{
    internal sealed record Rows(object[] Key, IReadOnlyList<object[]> Materials);

    private readonly ConcurrentDictionary<string, Rows> _entries = new(StringComparer.Ordinal);
    private readonly Lock _fill = new();
    private long _generation;

    public int Count => _entries.Count;

    /// <summary>Read before querying the store; pass to <see cref="Put"/>.</summary>
    public long Generation => Volatile.Read(ref _generation);

    public bool TryGet(string keyId, out Rows rows) => _entries.TryGetValue(keyId, out rows!);

    /// <summary>Remembers rows read under <paramref name="generation"/> unless a write happened since.</summary>
    public void Put(string keyId, Rows rows, long generation)
    {
        if (capacity <= 0)
        {
            return;
        }

        lock (_fill)
        {
            if (generation != _generation)
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

    /// <summary>Call after every write to <paramref name="keyId"/> (committed or not).</summary>
    public void Invalidate(string keyId)
    {
        lock (_fill)
        {
            _generation++;
            _entries.TryRemove(keyId, out _);
        }
    }
}
