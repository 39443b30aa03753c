namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>A Region's stream as the relay sees it: connected (and through which ControlPlane replica), last seen, what it set aside.</summary>
public sealed record RegionSighting(bool Connected, DateTimeOffset? LastSeen, string ControlPlane, long DeadLetters);

/// <summary>
/// Where each Region's stream is, for the status and for break-glass claims: with one ControlPlane its own
/// connections; with replicas, what every replica wrote to the relay log as well.
/// </summary>
public interface IRegionPresence
{
    Task<RegionSighting> ReadAsync(string region, CancellationToken cancellationToken);
}

/// <summary>The single ControlPlane's view: its own connections are all there are.</summary>
public sealed class LocalRegionPresence(RegionConnections connections) : IRegionPresence
{
    public Task<RegionSighting> ReadAsync(string region, CancellationToken cancellationToken) =>
        Task.FromResult(new RegionSighting(connections.IsConnected(region), connections.LastSeen(region), string.Empty, connections.DeadLetters(region)));
}
