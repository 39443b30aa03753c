using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>
/// The multi-Region keys each Region last said it holds (<see cref="KeyCensus"/>), in memory, for the console: which
/// Regions hold each key, in what state, and whether they agree on its shared state and current material. What a
/// Region claims is shown as its claim; nothing is decided by it. A census that breaks the protocol's bounds is dropped.
/// </summary>
public sealed partial class KeyCensusBoard(ClusterRegions regions, TimeProvider time)
{
    public const int MaxKeysPerRegion = 2000;

    private readonly ConcurrentDictionary<string, (DateTimeOffset At, KeyCensus Census)> _census = new(StringComparer.Ordinal);

    /// <summary>Per key ID, when the ControlPlane first saw its Regions disagree (cleared when they agree again).</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _disagreeingSince = new(StringComparer.Ordinal);

    /// <summary>One Region's view of one key.</summary>
    public sealed record Member(string Region, string KeyState, bool Primary, long Epoch, long SyncVersion, string CurrentMaterialId);

    /// <summary>
    /// A multi-Region key as the cluster holds it: its primary, every Region that holds or should hold it (a Region the
    /// primary lists that has not reported the key is a member with state "Missing"), whether they all agree on the
    /// shared state and the current material, and for how long they have not.
    /// </summary>
    public sealed record KeySet(string KeyId, string PrimaryRegion, IReadOnlyList<Member> Members, bool Agree, double DisagreeingSeconds);

    /// <summary>Keeps a Region's census; false (and nothing kept) when it is outside the protocol's bounds.</summary>
    public bool Accept(string region, KeyCensus census)
    {
        if (census.Keys.Count > MaxKeysPerRegion || census.Keys.Any(k => !Plausible(k)))
        {
            return false;
        }

        _census[region] = (time.GetUtcNow(), census);
        return true;
    }

    public IReadOnlyList<KeySet> Sets()
    {
        var now = time.GetUtcNow();
        var byKey = new SortedDictionary<string, List<(string Region, KeySummary Key)>>(StringComparer.Ordinal);
        foreach (var (region, (_, census)) in _census)
        {
            foreach (var key in census.Keys)
            {
                (byKey.TryGetValue(key.KeyId, out var list) ? list : byKey[key.KeyId] = []).Add((region, key));
            }
        }

        var sets = new List<KeySet>();
        foreach (var (keyId, held) in byKey)
        {
            // The primary's own word on the set, when it has reported the key; otherwise the newest claim among the replicas.
            var primary = held.FirstOrDefault(h => h.Key.PrimaryRegion == h.Region);
            var view = primary.Key ?? held.MaxBy(h => (h.Key.Epoch, h.Key.SyncVersion)).Key;
            var members = held.Select(h => new Member(h.Region, h.Key.KeyState, h.Key.PrimaryRegion == h.Region, h.Key.Epoch, h.Key.SyncVersion,
                h.Key.CurrentMaterialId)).ToList();
            foreach (var missing in view.ReplicaRegions.Append(view.PrimaryRegion).Distinct(StringComparer.Ordinal)
                         .Where(r => members.All(m => m.Region != r)))
            {
                members.Add(new Member(missing, "Missing", missing == view.PrimaryRegion, 0, 0, string.Empty));
            }

            members.Sort((a, b) => (b.Primary, a.Region).CompareTo((a.Primary, b.Region)));
            var agree = members.All(m => m.KeyState != "Missing" && m.Epoch == view.Epoch && m.SyncVersion == view.SyncVersion
                                         && m.CurrentMaterialId == view.CurrentMaterialId);
            var since = agree ? (DateTimeOffset?)null : _disagreeingSince.GetOrAdd(keyId, now);
            if (agree)
            {
                _disagreeingSince.TryRemove(keyId, out _);
            }

            sets.Add(new KeySet(keyId, view.PrimaryRegion, members, agree, since is { } s ? Math.Max(0, (now - s).TotalSeconds) : 0));
        }

        // A key no Region reports any more (deleted everywhere) is forgotten here too.
        foreach (var gone in _disagreeingSince.Keys.Where(k => !byKey.ContainsKey(k)))
        {
            _disagreeingSince.TryRemove(gone, out _);
        }

        return sets;
    }

    /// <summary>When each Region's last census arrived, and whether it said it holds more keys than it sent.</summary>
    public IReadOnlyDictionary<string, (DateTimeOffset At, bool Truncated)> Reports() =>
        _census.ToDictionary(c => c.Key, c => (c.Value.At, c.Value.Census.Truncated), StringComparer.Ordinal);

    private bool Plausible(KeySummary key) =>
        KeyIdPattern().IsMatch(key.KeyId) && key.KeyState.Length is > 0 and <= 32 && key.KeyState.All(char.IsAsciiLetter)
        && regions.Names.Contains(key.PrimaryRegion) && key.ReplicaRegions.Count <= regions.Names.Count
        && key.ReplicaRegions.All(r => regions.Names.Contains(r)) && key.CurrentMaterialId.Length <= 128
        && key.CurrentMaterialId.All(char.IsAsciiLetterOrDigit);

    [GeneratedRegex("^mrk-[0-9a-f]{32}$")]
    private static partial Regex KeyIdPattern();
}
