using Grpc.Mrk.ControlPlane.Storage;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>What holds the relay: the log's kind and health and, when it is replicated, every ControlPlane replica.</summary>
public interface IRelayTopology
{
    /// <summary>This replica's name (empty for a single ControlPlane).</summary>
    string ReplicaName { get; }

    Task<(RelayLogStatus Log, IReadOnlyList<ControlPlaneReplicaStatus> Replicas)> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>One ControlPlane with its queue in its own SQLite file.</summary>
public sealed class SingleControlPlane(IRelayQueue queue) : IRelayTopology
{
    public string ReplicaName => string.Empty;

    public async Task<(RelayLogStatus Log, IReadOnlyList<ControlPlaneReplicaStatus> Replicas)> ReadAsync(CancellationToken cancellationToken)
    {
        var log = new RelayLogStatus { Kind = "sqlite", Replicas = 1, Healthy = true };
        try
        {
            await queue.DepthsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            log.Healthy = false;
            log.Problem = $"the relay store cannot be read: {e.Message}";
        }

        return (log, []);
    }
}
