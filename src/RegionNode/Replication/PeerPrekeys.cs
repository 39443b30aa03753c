namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// The transport prekeys other Regions published to this one, to seal material for them. Memory only. Each is used
/// for one batch at most (its ID is remembered until it expires, so a set published again cannot bring it back), and
/// only while it has at least <see cref="Margin"/> left before its publisher forgets it (the Regions' clocks may differ
/// a little, and the batch must still arrive).
/// </summary>
public sealed class PeerPrekeys(TimeProvider time)
{
    /// <summary>The most a Region keeps for another (<see cref="OwnPrekeys.MaxPerPeer"/>); beyond it the ones that expire first are dropped.</summary>
    public const int MaxPerPeer = OwnPrekeys.MaxPerPeer;

    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<OwnPrekeys.Published>> _byPeer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);

    /// <summary>Replaces what <paramref name="peer"/> published before with <paramref name="prekeys"/> (less those already used).</summary>
    public void Replace(string peer, IEnumerable<OwnPrekeys.Published> prekeys) => Take(peer, prekeys, replace: true);

    /// <summary>Adds <paramref name="prekeys"/> to what <paramref name="peer"/> published before.</summary>
    public void Add(string peer, IEnumerable<OwnPrekeys.Published> prekeys) => Take(peer, prekeys, replace: false);

    private void Take(string peer, IEnumerable<OwnPrekeys.Published> prekeys, bool replace)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            foreach (var expired in _used.Where(u => u.Value <= now).Select(u => u.Key).ToList())
            {
                _used.Remove(expired);
            }

            // A publisher's expiry beyond its own lifetime from now is not believed: the prekey is used as if it had that long.
            var latest = now + OwnPrekeys.Lifetime;
            var held = replace || !_byPeer.TryGetValue(peer, out var known) ? [] : known;
            _byPeer[peer] = held.Concat(prekeys.Where(p => !_used.ContainsKey(Used(peer, p.Id)) && p.ExpiresAt > now)
                    .Select(p => p.ExpiresAt > latest ? p with { ExpiresAt = latest } : p))
                .DistinctBy(p => p.Id).OrderByDescending(p => p.ExpiresAt).Take(MaxPerPeer).ToList();
        }
    }

    /// <summary>A prekey of <paramref name="peer"/> to seal one batch with, never handed out again; null when none is usable.</summary>
    public OwnPrekeys.Published? Take(string peer)
    {
        lock (_gate)
        {
            if (!_byPeer.TryGetValue(peer, out var set))
            {
                return null;
            }

            var usableFrom = time.GetUtcNow() + Margin;
            set.RemoveAll(p => p.ExpiresAt <= usableFrom);
            if (set.Count == 0)
            {
                return null;
            }

            // The one that expires first, so none goes to waste while a later one is used.
            var prekey = set.MinBy(p => p.ExpiresAt)!;
            set.Remove(prekey);
            _used[Used(peer, prekey.Id)] = prekey.ExpiresAt;
            return prekey;
        }
    }

    /// <summary>How many usable prekeys of <paramref name="peer"/> this Region holds.</summary>
    public int Count(string peer)
    {
        lock (_gate)
        {
            var usableFrom = time.GetUtcNow() + Margin;
            return _byPeer.TryGetValue(peer, out var set) ? set.Count(p => p.ExpiresAt > usableFrom) : 0;
        }
    }

    private static string Used(string peer, string id) => $"{peer}\0{id}";
}
