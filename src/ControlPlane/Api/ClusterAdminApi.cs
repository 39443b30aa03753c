using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.Messages;

namespace Grpc.Mrk.ControlPlane.Api;

/// <summary>The cluster's health for operators: each Region, whether it is connected, and its undelivered backlog.</summary>
public sealed class ClusterAdminApi(
    ClusterStatusReader status,
    IRelayTopology topology,
    IAuditDigestCopies digestCopies,
    PeerCertificates peers,
    ClusterRegions regions,
    IRegionPresence presence,
    IPromotionClaims claims,
    TimeProvider time,
    PromotionGrace grace) : ClusterAdmin.ClusterAdminBase
{
    private TimeSpan ReachableWithin => grace.Within;

    public override async Task<GetClusterStatusResponse> GetClusterStatus(GetClusterStatusRequest request, ServerCallContext context)
    {
        peers.Require(context, ClusterRole.Operator, ClusterRole.Region);
        var (log, replicas) = await topology.ReadAsync(context.CancellationToken).ConfigureAwait(false);
        var response = new GetClusterStatusResponse { RelayLog = log, AnsweredBy = topology.ReplicaName };
        response.ControlPlanes.AddRange(replicas);
        foreach (var region in await status.ReadAsync(context.CancellationToken).ConfigureAwait(false))
        {
            var entry = new RegionStatus
            {
                Region = region.Name, Connected = region.Connected, DeadLetters = region.DeadLetters, QueueDepth = region.QueueDepth,
                OldestUndeliveredAgeSeconds = region.OldestUndeliveredAgeSeconds, ControlPlane = region.ControlPlane,
            };
            if (region.LastSeen is { } seen)
            {
                entry.LastSeen = Timestamp.FromDateTimeOffset(seen);
            }

            response.Regions.Add(entry);
        }

        return response;
    }

    /// <summary>
    /// A Region asks before a break-glass promotion: refused while the old primary's Region is reachable through any
    /// replica of the relay (or was within the grace), and
    /// granted once per key set and epoch, to the first Region that asks.
    /// </summary>
    public override async Task<ClaimPromotionResponse> ClaimPromotion(ClaimPromotionRequest request, ServerCallContext context)
    {
        var caller = peers.Require(context, ClusterRole.Region);
        if (request.KeyId.Length is 0 or > 256 || request.FromEpoch < 0 || !regions.Names.Contains(request.PreviousPrimary)
            || request.PreviousPrimary == caller.Name)
        {
            throw Refusal.Invalid("A claim names a key ID, an epoch of 0 or more, and the old primary: another Region of this cluster.");
        }

        var previous = await presence.ReadAsync(request.PreviousPrimary, context.CancellationToken).ConfigureAwait(false);
        if (previous.Connected)
        {
            throw Refusal.InvalidState($"{request.PreviousPrimary} is connected: use UpdatePrimaryRegion in {request.PreviousPrimary}, not a break-glass promotion.");
        }

        if (previous.LastSeen is { } seen && time.GetUtcNow() - seen < ReachableWithin)
        {
            throw Refusal.InvalidState(
                $"{request.PreviousPrimary} was connected {(time.GetUtcNow() - seen).TotalSeconds:0} s ago; a break-glass promotion waits until it has been unreachable for {ReachableWithin.TotalSeconds:0} s.");
        }

        var holder = await claims.ClaimAsync(request.KeyId, request.FromEpoch, caller.Name, context.CancellationToken).ConfigureAwait(false);
        if (holder != caller.Name)
        {
            throw Refusal.InvalidState($"{request.KeyId} was already promoted from epoch {request.FromEpoch} to {holder}; a set has one primary.");
        }

        return new ClaimPromotionResponse();
    }

    /// <summary>The copies of a Region's audit digests kept here, for checking its log against them (mrk audit verify).</summary>
    public override async Task<V1.ListAuditDigestsResponse> ListAuditDigests(ListRegionAuditDigestsRequest request, ServerCallContext context)
    {
        peers.Require(context, ClusterRole.Operator);
        if (!regions.Names.Contains(request.Region))
        {
            throw Refusal.NotFound($"Region {LogText.Safe(request.Region)} is not part of this cluster.");
        }

        var limit = request.HasLimit ? request.Limit : AuditDigests.MaxPerMessage;
        if (limit is < 1 or > AuditDigests.MaxPerMessage)
        {
            throw Refusal.Invalid($"limit must be 1-{AuditDigests.MaxPerMessage}.");
        }

        var (key, digests) = await digestCopies.ListAsync(request.Region, Math.Max(0, request.AfterSequence), limit + 1, context.CancellationToken)
            .ConfigureAwait(false);
        var response = new V1.ListAuditDigestsResponse { Region = request.Region, Truncated = digests.Count > limit };
        if (key is not null)
        {
            using var publicKey = AuditDigestSignature.PublicKey(key)!;
            response.PublicKey = publicKey.ExportSubjectPublicKeyInfoPem();
        }

        response.Digests.AddRange(digests.Take(limit).Select(d => AuditDigests.ToMessage(d.Sequence, d.Hash, d.CreatedAt, d.Signature)));
        return response;
    }
}
