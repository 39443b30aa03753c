using Grpc.Mrk.ControlPlane.Storage;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>Each configured Region as the ControlPlane sees it now: for `mrk cluster status` and the console alike.</summary>
public sealed class ClusterStatusReader(RelayQueue queue, RegionConnections connections, ClusterRegions regions, TimeProvider time)
{
    /// <summary>One Region: its stream, when it was last heard from, what waits for it here, and what it set aside.</summary>
    public sealed record Region(string Name, bool Connected, DateTimeOffset? LastSeen, long QueueDepth, double OldestUndeliveredAgeSeconds,
        long DeadLetters);

    public async Task<IReadOnlyList<Region>> ReadAsync(CancellationToken cancellationToken)
    {
        var depths = await queue.DepthsAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return
        [
            .. regions.Names.Select(name =>
            {
                var (depth, age) = depths.TryGetValue(name, out var d) ? (d.Depth, Math.Max(0, (now - d.Oldest).TotalSeconds)) : (0L, 0d);
                return new Region(name, connections.IsConnected(name), connections.LastSeen(name), depth, age, connections.DeadLetters(name));
            }),
        ];
    }
}
