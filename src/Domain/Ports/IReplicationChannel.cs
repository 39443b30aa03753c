using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>How this Region reaches the other Regions of its cluster.</summary>
public interface IReplicationChannel
{
    /// <summary>True when <paramref name="region"/> is another Region of this cluster (it has a trusted replication certificate).</summary>
    bool IsClusterRegion(string region);

    /// <summary>Every other Region of this cluster (those with a trusted replication certificate).</summary>
    IReadOnlyList<string> OtherRegions();

    /// <summary>The message as the store queues it inside a key change's transaction.</summary>
    OutgoingMessage Encode(string destination, string keyId, ReplicationMessage message, string? messageId = null);

    /// <summary>
    /// Queues a message that belongs to no key change; it leaves at least once, in order per destination. An answer to
    /// another Region's message is queued <see cref="WriteDurability.WithNextFlush"/>, like the changes that message makes.
    /// </summary>
    Task SendAsync(string destination, string keyId, ReplicationMessage message, WriteDurability durability, CancellationToken cancellationToken);

    /// <summary>
    /// This Region's store went back (restored from a backup, or rebuilt empty), so its outgoing sequence numbers may be
    /// behind what the other Regions applied from it: each is asked how far it got, and nothing more leaves for it until
    /// it answers; what waits is then numbered on from there. No clock is read: one set back would otherwise number
    /// envelopes the others refuse as replays.
    /// </summary>
    Task AskWhereSequencesStandAsync(CancellationToken cancellationToken);

    /// <summary>
    /// This Region, giving up the primary role of <paramref name="keyId"/>, names <paramref name="newPrimary"/> primary of
    /// <paramref name="epoch"/> at the request of <paramref name="requestedBy"/>, signed.
    /// </summary>
    HandOff SignHandOff(string keyId, long epoch, string newPrimary, string requestedBy);

    /// <summary>
    /// True when <paramref name="handOff"/> carries the signature of the Region it names as the one giving the role up or,
    /// on a break-glass promotion, the new primary's signature and an operator's signed order (<see cref="BreakGlassProblem"/>).
    /// </summary>
    bool Verifies(string keyId, HandOff handOff);

    /// <summary>Why a break-glass hand-off is not one an operator ordered and its new primary signed; null when it is.</summary>
    string? BreakGlassProblem(string keyId, HandOff handOff);

    /// <summary>
    /// This Region takes the primary role of <paramref name="keyId"/> from <paramref name="previousPrimary"/> for
    /// <paramref name="epoch"/> on an operator's <paramref name="order"/>, signed.
    /// </summary>
    HandOff SignBreakGlass(string keyId, long epoch, string previousPrimary, string requestedBy, BreakGlassOrder order);

    /// <summary>
    /// Asks the cluster to grant this Region the break-glass promotion of <paramref name="keyId"/> out of
    /// <paramref name="fromEpoch"/>: null when granted, else why not (the old primary is reachable, another Region was
    /// granted it, the cluster cannot be asked).
    /// </summary>
    Task<string?> ClaimPromotionAsync(string keyId, long fromEpoch, string previousPrimary, CancellationToken cancellationToken);
}
