using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.ControlPlane.Hosting;

/// <summary>
/// Runs the relay messages' generated code once right after start (<see cref="MessageWarmUp"/>), so the first
/// envelopes a Region sends do not wait for the runtime to compile it. Touches no queue, store or connection.
/// </summary>
public sealed class RelayWarmUp(ILogger<RelayWarmUp> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var types = MessageWarmUp.RoundTrip([RelayReflection.Descriptor, ReplicationReflection.Descriptor]);
        Relay.Log.WarmedUp(logger, types, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }, stoppingToken);
}
