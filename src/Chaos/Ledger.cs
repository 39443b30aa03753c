using System.Collections.Concurrent;

namespace Grpc.Mrk.Chaos;

/// <summary>The kinds of multi-Region key the workload makes, each with what it can prove after healing.</summary>
public enum SetKind
{
    /// <summary>SYMMETRIC_DEFAULT: ciphertexts, rotations.</summary>
    Symmetric,

    /// <summary>ECC_NIST_P256 SIGN_VERIFY: signatures.</summary>
    Signing,

    /// <summary>HMAC_256: MACs.</summary>
    Mac,
}

/// <summary>What the cluster acknowledged for one multi-Region key set. Only successful answers are entered here.</summary>
public sealed class KeySet(string keyId, SetKind kind, string createdIn)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _replicas = new(StringComparer.Ordinal);

    public string KeyId { get; } = keyId;

    public SetKind Kind { get; } = kind;

    /// <summary>Order of acknowledgement, so draws pick sets by position rather than by their random IDs.</summary>
    public int Ordinal { get; init; }

    public string CreatedIn { get; } = createdIn;

    /// <summary>Where the workload believes the primary is: the last acknowledged UpdatePrimaryRegion's target.</summary>
    public string Primary { get; set; } = createdIn;

    public int AcknowledgedRotations { get; set; }

    /// <summary>
    /// Set when the Region that led the set was lost and a replica promoted: a rotation acknowledged there whose new
    /// version had not reached any replica went with it, so the count of acknowledged rotations no longer holds.
    /// </summary>
    public bool RotationsLostWithPrimary { get; set; }

    public IReadOnlyList<string> AcknowledgedReplicas
    {
        get
        {
            lock (_gate)
            {
                return [.. _replicas];
            }
        }
    }

    public IReadOnlyList<string> Regions
    {
        get
        {
            lock (_gate)
            {
                return [CreatedIn, .. _replicas.Where(r => r != CreatedIn)];
            }
        }
    }

    public void AddReplica(string region)
    {
        lock (_gate)
        {
            _replicas.Add(region);
        }
    }
}

public sealed record Ciphertext(int Iteration, string KeyId, string Region, byte[] Plaintext, byte[] Blob, Dictionary<string, string> Context);

public sealed record Signature(int Iteration, string KeyId, string Region, byte[] Message, byte[] Value);

public sealed record Mac(int Iteration, string KeyId, string Region, byte[] Message, byte[] Value);

public sealed record Alias(string Region, string Name, string KeyId);

/// <summary>
/// Everything acknowledged in a run (the invariant checker's expectations), and per Region how many management calls
/// were acknowledged or ended without an answer, so audit records can be counted against them.
/// </summary>
public sealed class Ledger
{
    public ConcurrentDictionary<string, KeySet> Sets { get; } = new(StringComparer.Ordinal);

    public ConcurrentBag<Ciphertext> Ciphertexts { get; } = [];

    public ConcurrentBag<Signature> Signatures { get; } = [];

    public ConcurrentBag<Mac> Macs { get; } = [];

    public ConcurrentBag<Alias> Aliases { get; } = [];

    /// <summary>Every plaintext, message and data key the workload handled: none may appear outside a client.</summary>
    public ConcurrentBag<byte[]> Secrets { get; } = [];

    /// <summary>(Region, eventName, keyId) → acknowledged count.</summary>
    public ConcurrentDictionary<(string Region, string Event, string KeyId), int> Acknowledged { get; } = new();

    /// <summary>(Region, eventName, keyId) → calls that ended without an answer (they may or may not have taken effect).</summary>
    public ConcurrentDictionary<(string Region, string Event, string KeyId), int> Unanswered { get; } = new();

    private readonly ConcurrentDictionary<string, byte> _touched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _uncertain = new(StringComparer.Ordinal);

    /// <summary>
    /// From now until <see cref="EndUncertain"/>, what <paramref name="region"/> acknowledges may be undone: its store is
    /// being backed up and will be restored from that backup. Its answers count as unanswered (they may or may not
    /// survive), and expectations they would add (a key, an alias, a ciphertext) are not added.
    /// </summary>
    public void BeginUncertain(string region) => _uncertain[region] = 0;

    public void EndUncertain(string region) => _uncertain.TryRemove(region, out _);

    public bool IsUncertain(string region) => _uncertain.ContainsKey(region);

    /// <summary>
    /// <paramref name="region"/>'s store was lost with no backup: nothing it acknowledged on its own is expected any more
    /// (its audit records, its aliases); what other Regions hold comes back when it is rebuilt.
    /// </summary>
    public void ForgetRegion(string region)
    {
        foreach (var (key, count) in Acknowledged.Where(a => a.Key.Region == region).ToList())
        {
            Acknowledged.TryRemove(key, out _);
            Unanswered.AddOrUpdate(key, count, (_, n) => n + count);
        }

        var kept = Aliases.Where(a => a.Region != region).ToList();
        Aliases.Clear();
        foreach (var alias in kept)
        {
            Aliases.Add(alias);
        }
    }

    /// <summary>A set lost with the only Region that held it: nothing of it is expected any more.</summary>
    public void ForgetSet(string keyId)
    {
        Sets.TryRemove(keyId, out _);
        Keep(Ciphertexts, c => c.KeyId != keyId);
        Keep(Signatures, s => s.KeyId != keyId);
        Keep(Macs, m => m.KeyId != keyId);
        Keep(Aliases, a => a.KeyId != keyId);
    }

    private static void Keep<T>(ConcurrentBag<T> bag, Func<T, bool> keep)
    {
        var kept = bag.Where(keep).ToList();
        bag.Clear();
        foreach (var item in kept)
        {
            bag.Add(item);
        }
    }
    private int _nextUntouched;

    public void CountAcknowledged(string region, string eventName, string keyId)
    {
        _touched[keyId] = 0;
        Add(IsUncertain(region) ? Unanswered : Acknowledged, region, eventName, keyId);
    }

    public void CountUnanswered(string region, string eventName, string keyId)
    {
        _touched[keyId] = 0;
        Add(Unanswered, region, eventName, keyId);
    }

    /// <summary>
    /// The sets to check after an iteration: each set a management call touched since the last check (answered or not:
    /// an unanswered call may have taken effect), and <paramref name="untouched"/> of the others in turn, so faults
    /// that could reach a set nobody called about (a restart, a lost store) are looked for everywhere over a run while
    /// an iteration's checks stay as large as its work. Every set is checked at the end.
    /// </summary>
    public IReadOnlyList<KeySet> TakeForCheck(int untouched)
    {
        var touched = _touched.Keys.ToList();
        foreach (var keyId in touched)
        {
            _touched.TryRemove(keyId, out _);
        }

        var scope = touched.Select(id => Sets.GetValueOrDefault(id)).OfType<KeySet>().ToDictionary(s => s.KeyId, StringComparer.Ordinal);
        var others = Sets.Values.Where(s => !scope.ContainsKey(s.KeyId)).OrderBy(s => s.Ordinal).ToList();
        for (var i = 0; i < Math.Min(untouched, others.Count); i++)
        {
            var set = others[(_nextUntouched + i) % others.Count];
            scope[set.KeyId] = set;
        }

        _nextUntouched = others.Count == 0 ? 0 : (_nextUntouched + untouched) % others.Count;
        return [.. scope.Values.OrderBy(s => s.Ordinal)];
    }

    private static void Add(ConcurrentDictionary<(string, string, string), int> table, string region, string eventName, string keyId) =>
        table.AddOrUpdate((region, eventName, keyId), 1, (_, n) => n + 1);
}
