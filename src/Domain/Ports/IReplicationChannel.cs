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
    /// This Region, giving up the primary role of <paramref name="keyId"/>, names <paramref name="newPrimary"/> primary of
    /// <paramref name="epoch"/> at the request of <paramref name="requestedBy"/>, signed.
    /// </summary>
    HandOff SignHandOff(string keyId, long epoch, string newPrimary, string requestedBy);

    /// <summary>True when <paramref name="handOff"/> carries the signature of the Region it names as the one giving the role up.</summary>
    bool Verifies(string keyId, HandOff handOff);
}
