using Google.Protobuf;
using Grpc.Mrk.Cluster.Tracing;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Reaches other Regions through the outbox and the ControlPlane; a Region is known when its replication certificate is.</summary>
public sealed class ClusterChannel(ReplicationIdentity identity, Outbox outbox, SequenceFloors floors, EnvelopeTrace? trace = null, PromotionClaimClient? claims = null) : IReplicationChannel
{
    public bool IsClusterRegion(string region) => region != identity.Region && identity.PeerSigningKey(region) is not null;

    public IReadOnlyList<string> OtherRegions() => identity.PeerRegions();

    public OutgoingMessage Encode(string destination, string keyId, ReplicationMessage message, string? messageId = null)
    {
        var payload = ReplicationCodec.Encode(message);
        return new OutgoingMessage(destination, keyId, payload.Descriptor.FullName, payload.ToByteArray(), messageId) { TraceParent = trace?.Current() ?? string.Empty };
    }

    public Task SendAsync(string destination, string keyId, ReplicationMessage message, WriteDurability durability, CancellationToken cancellationToken) =>
        outbox.SendAsync(destination, keyId, ReplicationCodec.Encode(message), durability, cancellationToken);

    public Task AskWhereSequencesStandAsync(CancellationToken cancellationToken) => floors.AskEveryPeerAsync(cancellationToken);

    public HandOff SignHandOff(string keyId, long epoch, string newPrimary, string requestedBy) =>
        HandOffSignatures.Sign(identity.SigningKey, keyId, epoch, identity.Region, newPrimary, requestedBy);

    public bool Verifies(string keyId, HandOff handOff) => handOff.BreakGlass is null
        ? identity.PeerSigningKey(handOff.PreviousPrimary) is { } key && HandOffSignatures.Verify(key, keyId, handOff)
        : BreakGlassProblem(keyId, handOff) is null;

    public string? BreakGlassProblem(string keyId, HandOff handOff)
    {
        if (handOff.BreakGlass is not { } order)
        {
            return "not a break-glass hand-off";
        }

        var newPrimaryKey = handOff.NewPrimary == identity.Region ? identity.SigningKey : identity.PeerSigningKey(handOff.NewPrimary);
        if (newPrimaryKey is null || !HandOffSignatures.Verify(newPrimaryKey, keyId, handOff))
        {
            return $"the break-glass hand-off does not carry {handOff.NewPrimary}'s signature";
        }

        return Cluster.BreakGlassOrders.Problem(identity.Authority, keyId, handOff.Epoch, handOff.PreviousPrimary, handOff.NewPrimary, order.Reason, order.IssuedAt,
            order.OperatorCertificate, order.OperatorSignature);
    }

    public HandOff SignBreakGlass(string keyId, long epoch, string previousPrimary, string requestedBy, BreakGlassOrder order) =>
        HandOffSignatures.Sign(identity.SigningKey, keyId, epoch, previousPrimary, identity.Region, requestedBy) with { BreakGlass = order };

    public Task<string?> ClaimPromotionAsync(string keyId, long fromEpoch, string previousPrimary, CancellationToken cancellationToken) =>
        claims?.ClaimAsync(keyId, fromEpoch, previousPrimary, cancellationToken) ?? Task.FromResult<string?>("no ControlPlane to record the promotion");
}

/// <summary>A Region started without a ControlPlane: it has no other Regions, so nothing is ever sent.</summary>
public sealed class StandaloneChannel : IReplicationChannel
{
    public bool IsClusterRegion(string region) => false;

    public IReadOnlyList<string> OtherRegions() => [];

    public OutgoingMessage Encode(string destination, string keyId, ReplicationMessage message, string? messageId = null) =>
        throw new InvalidOperationException("This Region is not linked to a ControlPlane; it cannot send messages to other Regions.");

    public Task SendAsync(string destination, string keyId, ReplicationMessage message, WriteDurability durability, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("This Region is not linked to a ControlPlane; it cannot send messages to other Regions.");

    public Task AskWhereSequencesStandAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public HandOff SignHandOff(string keyId, long epoch, string newPrimary, string requestedBy) =>
        throw new InvalidOperationException("This Region is not linked to a ControlPlane; it has no other Region to hand a key to.");

    public string? BreakGlassProblem(string keyId, HandOff handOff) => "this Region is not linked to a ControlPlane";

    public HandOff SignBreakGlass(string keyId, long epoch, string previousPrimary, string requestedBy, BreakGlassOrder order) =>
        throw new InvalidOperationException("This Region is not linked to a ControlPlane; it holds no key of another Region to promote.");

    public Task<string?> ClaimPromotionAsync(string keyId, long fromEpoch, string previousPrimary, CancellationToken cancellationToken) =>
        Task.FromResult<string?>("this Region is not linked to a ControlPlane");

    public bool Verifies(string keyId, HandOff handOff) => false;
}
