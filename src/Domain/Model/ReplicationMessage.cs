using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>A message between Regions about one multi-Region key set (the cross-Region protocol of docs/architecture.md).</summary>
public abstract record ReplicationMessage;

/// <summary>
/// A message from the primary that may bring material with it: the plaintext versions the receiving Region opened from
/// the message's delivery, null when none came or it could not be opened (a prekey this Region no longer holds). The
/// receiver's replication layer zeroes them once the message is applied.
/// </summary>
public abstract record MaterialCarrier : ReplicationMessage
{
    public IReadOnlyList<(string MaterialId, byte[] Material)>? Delivered { get; init; }
}

/// <summary>Primary to a new replica's Region: create the replica, in state Creating, with its own independent properties.</summary>
public sealed record CreateReplicaMessage(SharedState State, ReplicaCreation Creation) : MaterialCarrier;

/// <summary>Primary to a replica: the shared properties changed (or are repeated by anti-entropy).</summary>
public sealed record SharedStateMessage(SharedState State) : MaterialCarrier;

/// <summary>
/// Replica to a Region holding the material: the replica's ephemeral ECDH public key. The request's message ID (set on
/// receipt from its envelope) is bound into the wrapping key.
/// </summary>
public sealed record KeyRequestMessage(byte[] PublicKey) : ReplicationMessage
{
    public string RequestMessageId { get; init; } = string.Empty;
}

/// <summary>Answer to a key request: every material version the source holds, wrapped for the requester only.</summary>
public sealed record KeyTransferMessage(
    string RequestMessageId,
    byte[] SourcePublicKey,
    long Epoch,
    long SyncVersion,
    IReadOnlyList<MaterialInfo> Infos,
    IReadOnlyList<TransportedMaterial> Materials) : ReplicationMessage;

/// <summary>Replica to primary: where the replica stands after applying something.</summary>
public sealed record SyncAckMessage(long Epoch, long SyncVersion, IReadOnlyList<string> MaterialIds, KeyState KeyState) : ReplicationMessage;

/// <summary>Old primary to new: take over as primary of <c>State.Epoch</c>.</summary>
public sealed record PromoteMessage(SharedState State) : ReplicationMessage;

/// <summary>New primary candidate to old primary: it cannot take over, and hands the role back (<see cref="Decline"/>).</summary>
public sealed record PromoteRefusedMessage(long Epoch, string Reason, HandOff? Decline) : ReplicationMessage;

/// <summary>Replica Region to primary: the replica key no longer exists there.</summary>
public sealed record ReplicaDeletedMessage(long Epoch, long SyncVersion) : ReplicationMessage;

/// <summary>
/// A Region whose store went back in time (restored from a backup taken at <see cref="RestoredTo"/>, or rebuilt empty)
/// to every other Region: send it again what it may have lost. Names no key.
/// </summary>
public sealed record RejoinMessage(string Reason, string BackupId, DateTimeOffset? RestoredTo) : ReplicationMessage
{
    public const string Restore = "restore";
    public const string Rebuild = "rebuild";
}

/// <summary>Replica Region to primary: it is listed in the set but holds no key of it and no record of deleting one.</summary>
public sealed record ReplicaMissingMessage : ReplicationMessage;

/// <summary>Replica to its primary, answering a rejoin: the set as the replica holds it, and the replica key's own state.</summary>
public sealed record ReplicaViewMessage(SharedState State, KeyState KeyState) : ReplicationMessage;

/// <summary>A replica's own properties, chosen by the ReplicateKey caller.</summary>
public sealed record ReplicaCreation(string Description, string Policy, IReadOnlyList<Tag> Tags);
