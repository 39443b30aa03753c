using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// The primary's bookkeeping about one replica: the last state the replica acknowledged, and when to repeat itself if
/// the replica is behind. Local to the primary's Region, never shared.
/// </summary>
public sealed class ReplicaProgress
{
    /// <summary>The shared-state version at which this replica was added: a deletion notice older than that is about an earlier replica.</summary>
    public long AddedEpoch { get; set; }

    public long AddedSyncVersion { get; set; }

    public long Epoch { get; set; }

    public long SyncVersion { get; set; }

    public List<string> MaterialIds { get; set; } = [];

    /// <summary>The replica key's own state as it last reported it; null until it has.</summary>
    public KeyState? KeyState { get; set; }

    /// <summary>Set until the replica confirms it exists; what anti-entropy needs to create it again.</summary>
    public ReplicaCreation? PendingCreation { get; set; }

    public int Attempts { get; set; }

    /// <summary>When anti-entropy next repeats the latest state to this replica; null while it is up to date.</summary>
    public DateTimeOffset? NextAttempt { get; set; }
}

/// <summary>What a Region remembers of a multi-Region key it deleted, so late messages about it are answered correctly.</summary>
public sealed record KeyTombstone(string KeyId, string PrimaryRegion, long Epoch, long SyncVersion, DateTimeOffset DeletedAt);
