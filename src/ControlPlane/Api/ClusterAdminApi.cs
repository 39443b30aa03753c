using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.ControlPlane.Hosting;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage;
using Grpc.Mrk.Internal.V1;
using Microsoft.Extensions.Options;

namespace Grpc.Mrk.ControlPlane.Api;

/// <summary>The cluster's health for operators: each Region, whether it is connected, and its undelivered backlog.</summary>
public sealed class ClusterAdminApi(
    RelayQueue queue,
    RegionConnections connections,
    PeerCertificates peers,
    IOptions<ControlPlaneOptions> options,
    TimeProvider time) : ClusterAdmin.ClusterAdminBase
{
    public override async Task<GetClusterStatusResponse> GetClusterStatus(GetClusterStatusRequest request, ServerCallContext context)
    {
        peers.Require(context, ClusterRole.Operator, ClusterRole.Region);
        var depths = await queue.DepthsAsync(context.CancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var response = new GetClusterStatusResponse();
        foreach (var region in options.Value.RegionList)
        {
            var status = new RegionStatus { Region = region, Connected = connections.IsConnected(region), DeadLetters = connections.DeadLetters(region) };
            if (connections.LastSeen(region) is { } seen)
            {
                status.LastSeen = Timestamp.FromDateTimeOffset(seen);
            }

            if (depths.TryGetValue(region, out var depth))
            {
                status.QueueDepth = depth.Depth;
                status.OldestUndeliveredAgeSeconds = Math.Max(0, (now - depth.Oldest).TotalSeconds);
            }

            response.Regions.Add(status);
        }

        return response;
    }
}
