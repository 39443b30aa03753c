using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage.JetStream;
using Grpc.Mrk.Internal.V1;
using NATS.Client.KeyValueStore;
using RegionSighting = Grpc.Mrk.ControlPlane.Relay.RegionSighting;

namespace Grpc.Mrk.ControlPlane.Relay.Replicas;

/// <summary>
/// Every replica's sightings of the Regions, from the relay log, beside this replica's own connections. A sighting says
/// "connected" only while the replica that wrote it keeps writing it: one that is older than <see cref="Stale"/> was
/// written by a replica that stopped (killed, cut off), and counts as the time the Region was last seen.
/// </summary>
public sealed class ReplicatedPresence(RelayLog log, RegionConnections connections, TimeProvider time) : IRegionPresence
{
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan Stale = TimeSpan.FromSeconds(10);

    public async Task<RegionSighting> ReadAsync(string region, CancellationToken cancellationToken)
    {
        var local = new RegionSighting(connections.IsConnected(region), connections.LastSeen(region), log.Settings.ReplicaName,
            connections.DeadLetters(region));
        if (local.Connected)
        {
            return local;
        }

        var entry = await RelayLogRetry.RunAsync(token => log.Bucket(RelayLog.RegionsBucket).TryGetEntryAsync<byte[]>(region, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
        if (!entry.Success || entry.Value.Value is not { } bytes)
        {
            return local;
        }

        var logged = Grpc.Mrk.Internal.V1.RegionSighting.Parser.ParseFrom(bytes);
        var at = logged.At?.ToDateTimeOffset();
        var lastSeen = at is { } a && (local.LastSeen is null || a > local.LastSeen) ? at : local.LastSeen;
        var connected = logged.Connected && at is { } seen && time.GetUtcNow() - seen < Stale;
        return new RegionSighting(connected, lastSeen, logged.ControlPlane, connected ? logged.DeadLetters : Math.Max(logged.DeadLetters, local.DeadLetters));
    }

    /// <summary>Writes this replica's sighting of a Region (it holds the stream, or has just lost it).</summary>
    public async Task WriteAsync(string region, bool connected, CancellationToken cancellationToken)
    {
        var bucket = log.Bucket(RelayLog.RegionsBucket);
        var sighting = new Grpc.Mrk.Internal.V1.RegionSighting
        {
            ControlPlane = log.Settings.ReplicaName, Connected = connected, At = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            DeadLetters = connections.DeadLetters(region),
        };
        if (!connected)
        {
            // A stream lost here must not hide one the Region opened meanwhile through another replica.
            var current = await bucket.TryGetEntryAsync<byte[]>(region, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (current.Success && current.Value.Value is { } bytes && Grpc.Mrk.Internal.V1.RegionSighting.Parser.ParseFrom(bytes) is { Connected: true } other
                && other.ControlPlane != log.Settings.ReplicaName)
            {
                return;
            }
        }

        await bucket.PutAsync(region, sighting.ToByteArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
