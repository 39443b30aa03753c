using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// The primary's bookkeeping about one replica: the last state the replica acknowledged, and when to repeat itself if
/// the replica is behind. Local to the primary's Region, never shared.
/// </summary>
public sealed class ReplicaProgress
{
    internal ReplicaProgress()
    {
    }

    /// <summary>The shared-state version at which this replica was added: a deletion notice older than that is about an earlier replica.</summary>
    public long AddedEpoch { get; private init; }

    public long AddedSyncVersion { get; private init; }

    public long Epoch { get; internal set; }

    public long SyncVersion { get; internal set; }

    public IReadOnlyList<string> MaterialIds { get; internal set; } = [];

    /// <summary>The replica key's own state as it last reported it; null until it has.</summary>
    public KeyState? KeyState { get; internal set; }

    /// <summary>Set until the replica confirms it exists; what anti-entropy needs to create it again.</summary>
    public ReplicaCreation? PendingCreation { get; internal set; }

    public int Attempts { get; private set; }

    /// <summary>When anti-entropy next repeats the latest state to this replica; null while it is up to date.</summary>
    public DateTimeOffset? NextAttempt { get; private set; }

    /// <summary>A replica just added by the primary at the given shared-state version, to be created from <paramref name="creation"/>.</summary>
    public static ReplicaProgress ForNewReplica(ReplicaCreation creation, long epoch, long syncVersion) =>
        new() { PendingCreation = creation, AddedEpoch = epoch, AddedSyncVersion = syncVersion };

    /// <summary>Bookkeeping as it was stored.</summary>
    public static ReplicaProgress Restore(long addedEpoch, long addedSyncVersion, long epoch, long syncVersion, IReadOnlyList<string> materialIds,
        KeyState? keyState, ReplicaCreation? pendingCreation, int attempts, DateTimeOffset? nextAttempt) => new()
    {
        AddedEpoch = addedEpoch, AddedSyncVersion = addedSyncVersion, Epoch = epoch, SyncVersion = syncVersion, MaterialIds = materialIds.ToList(),
        KeyState = keyState, PendingCreation = pendingCreation, Attempts = attempts, NextAttempt = nextAttempt,
    };

    /// <summary>The latest state was just sent; it is repeated after <paramref name="backoff"/> (doubling per attempt, at most <paramref name="maxBackoff"/>) unless acknowledged.</summary>
    public void Sent(DateTimeOffset now, TimeSpan backoff, TimeSpan maxBackoff)
    {
        var wait = backoff * Math.Pow(2, Math.Min(Attempts, 10));
        NextAttempt = now + (wait < maxBackoff ? wait : maxBackoff);
        Attempts++;
    }

    /// <summary>A repeat would come too early (the replica is still working through what was sent before): look again at <paramref name="when"/>.</summary>
    public void RepeatNoEarlierThan(DateTimeOffset when) => NextAttempt = when;

    /// <summary>Nothing is owed to this replica any more; anti-entropy stops repeating until the next change.</summary>
    public void NothingToRepeat() => NextAttempt = null;

    /// <summary>
    /// The replica's Region went back in time (restored or rebuilt): nothing it acknowledged can be counted on, so it is
    /// sent the set again in full, as a creation (<paramref name="creation"/>) where it no longer holds the key, at once.
    /// </summary>
    internal void Rejoined(ReplicaCreation creation, DateTimeOffset now)
    {
        Epoch = 0;
        SyncVersion = 0;
        MaterialIds = [];
        KeyState = null;
        PendingCreation = creation;
        Attempts = 0;
        NextAttempt = now;
    }

    /// <summary>The replica holds the latest state.</summary>
    internal void UpToDate()
    {
        Attempts = 0;
        NextAttempt = null;
    }
}

/// <summary>What a Region remembers of a multi-Region key it deleted, so late messages about it are answered correctly.</summary>
public sealed record KeyTombstone(string KeyId, string PrimaryRegion, long Epoch, long SyncVersion, DateTimeOffset DeletedAt);
