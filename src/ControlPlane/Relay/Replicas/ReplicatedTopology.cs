using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage.JetStream;
using Grpc.Mrk.Internal.V1;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Grpc.Mrk.ControlPlane.Relay.Replicas;

/// <summary>The replicas' heartbeats and the log's own account of its servers, for the status and the console.</summary>
public sealed class ReplicatedTopology(RelayLog log, ClusterRegions regions, IRegionPresence presence, TimeProvider time) : IRelayTopology
{
    public string ReplicaName => log.Settings.ReplicaName;

    public async Task<(RelayLogStatus Log, IReadOnlyList<ControlPlaneReplicaStatus> Replicas)> ReadAsync(CancellationToken cancellationToken)
    {
        var status = new RelayLogStatus { Kind = "nats", Replicas = log.Settings.Replicas };
        var replicas = new List<ControlPlaneReplicaStatus>();
        try
        {
            var stream = await log.JetStream.GetStreamAsync(RelayLog.EnvelopeStream, cancellationToken: cancellationToken).ConfigureAwait(false);
            var cluster = stream.Info.Cluster;
            if (cluster?.Leader is { } leader)
            {
                status.Peers.Add(new RelayLogPeerStatus { Name = leader, Leader = true, Current = true });
            }

            foreach (var peer in cluster?.Replicas ?? [])
            {
                status.Peers.Add(new RelayLogPeerStatus { Name = peer.Name, Current = peer.Current, Offline = peer.Offline, Lag = peer.Lag });
            }

            status.Healthy = cluster?.Leader is not null;
            status.Problem = status.Healthy ? string.Empty : "the envelope stream has no leader: the log has lost its majority";
            replicas.AddRange(await ReplicasAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is NATS.Client.Core.NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            status.Healthy = false;
            status.Problem = $"the relay log cannot be reached from {log.Settings.ReplicaName}: {e.Message}";
        }

        return (status, replicas);
    }

    private async Task<IReadOnlyList<ControlPlaneReplicaStatus>> ReplicasAsync(CancellationToken cancellationToken)
    {
        // The bucket's keys, from its stream's subjects (one per replica that ever beat).
        var prefix = $"$KV.{RelayLog.ReplicasBucket}.";
        var stream = await log.JetStream.GetStreamAsync($"KV_{RelayLog.ReplicasBucket}", new StreamInfoRequest { SubjectsFilter = prefix + ">" }, cancellationToken)
            .ConfigureAwait(false);
        var bucket = log.Bucket(RelayLog.ReplicasBucket);
        var result = new List<ControlPlaneReplicaStatus>();
        var now = time.GetUtcNow();
        foreach (var subject in (stream.Info.State.Subjects ?? new Dictionary<string, long>()).Keys.Order(StringComparer.Ordinal))
        {
            var entry = await bucket.TryGetEntryAsync<byte[]>(subject[prefix.Length..], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!entry.Success || entry.Value.Value is not { } bytes)
            {
                continue;
            }

            var beat = ReplicaHeartbeat.Parser.ParseFrom(bytes);
            result.Add(new ControlPlaneReplicaStatus
            {
                Name = beat.Name, Url = beat.Url, LastHeartbeat = beat.At, Alive = beat.At is { } at && now - at.ToDateTimeOffset() < ReplicatedPresence.Stale,
            });
        }

        foreach (var region in regions.Names)
        {
            var sighting = await presence.ReadAsync(region, cancellationToken).ConfigureAwait(false);
            if (sighting.Connected && result.FirstOrDefault(r => r.Name == sighting.ControlPlane) is { } holder)
            {
                holder.Regions.Add(region);
            }
        }

        return result;
    }
}
