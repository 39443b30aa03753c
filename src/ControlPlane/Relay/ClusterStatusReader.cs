using Grpc.Mrk.ControlPlane.Storage;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>Each configured Region as the ControlPlane sees it now: for `mrk cluster status` and the console alike.</summary>
public sealed class ClusterStatusReader(IRelayQueue queue, IRegionPresence presence, ClusterRegions regions, TimeProvider time)
{
    /// <summary>
    /// One Region: its stream (and the ControlPlane replica holding it), when it was last heard from, what waits for it
    /// in the relay, and what it set aside.
    /// </summary>
    public sealed record Region(string Name, bool Connected, DateTimeOffset? LastSeen, long QueueDepth, double OldestUndeliveredAgeSeconds,
        long DeadLetters, string ControlPlane);

    public async Task<IReadOnlyList<Region>> ReadAsync(CancellationToken cancellationToken)
    {
        var depths = await queue.DepthsAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var result = new List<Region>();
        foreach (var name in regions.Names)
        {
            var (depth, age) = depths.TryGetValue(name, out var d) ? (d.Depth, Math.Max(0, (now - d.Oldest).TotalSeconds)) : (0L, 0d);
            var seen = await presence.ReadAsync(name, cancellationToken).ConfigureAwait(false);
            result.Add(new Region(name, seen.Connected, seen.LastSeen, depth, age, seen.DeadLetters, seen.ControlPlane));
        }

        return result;
    }
}
