using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage.JetStream;
using Grpc.Mrk.Internal.V1;
using NATS.Client.Core;
using NATS.Client.KeyValueStore;

namespace Grpc.Mrk.ControlPlane.Relay.Replicas;

/// <summary>
/// What a replica tells the others through the relay log: its heartbeat, the Regions whose streams it holds (every
/// <see cref="ReplicatedPresence.Beat"/>, and at once when one connects or leaves), and, the other way, the doorbells
/// rung for Regions it serves when another replica stored an envelope for them.
/// </summary>
public sealed class ReplicaHeartbeats(
    RelayLog log,
    RegionConnections connections,
    ReplicatedPresence presence,
    ClusterRegions regions,
    TimeProvider time,
    ILogger<ReplicaHeartbeats> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        connections.Changed += (region, connected) => _ = WriteQuietlyAsync(region, connected, stoppingToken);
        var doorbells = RingAsync(stoppingToken);
        using var timer = new PeriodicTimer(ReplicatedPresence.Beat, time);
        try
        {
            do
            {
                try
                {
                    await log.Bucket(RelayLog.ReplicasBucket).PutAsync(Key(log.Settings.ReplicaName), new ReplicaHeartbeat
                    {
                        Name = log.Settings.ReplicaName, Url = log.Settings.ReplicaUrl, At = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                    }.ToByteArray(), cancellationToken: stoppingToken).ConfigureAwait(false);
                    foreach (var region in connections.Connected())
                    {
                        await presence.WriteAsync(region, connected: true, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is NatsException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    Log.RelayLogUnreachable(logger, log.Settings.ReplicaName, e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await doorbells.ConfigureAwait(false);
    }

    /// <summary>A replica's name as a key of the log's buckets (whose alphabet is narrower than a host name's).</summary>
    public static string Key(string replicaName) => new(replicaName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());

    private async Task WriteQuietlyAsync(string region, bool connected, CancellationToken cancellationToken)
    {
        try
        {
            await presence.WriteAsync(region, connected, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException)
        {
            // The next beat writes it again (a lost "disconnected" only lets the sighting age out).
        }
    }

    private async Task RingAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var ring in log.Connection.SubscribeAsync<byte[]>(JetStreamRelayQueue.RingSubject("*"), cancellationToken: stoppingToken)
                               .ConfigureAwait(false))
            {
                var region = ring.Subject["mrk.ring.".Length..];
                if (regions.Names.Contains(region))
                {
                    connections.Ring(region);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
