using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// A primary's bookkeeping about one replica as the mr_progress column holds it (JSON, member names unchanged since the
/// column was added). The model keeps its own fields closed; this is the shape on disk.
/// </summary>
internal sealed record StoredReplicaProgress(
    long AddedEpoch,
    long AddedSyncVersion,
    long Epoch,
    long SyncVersion,
    List<string> MaterialIds,
    KeyState? KeyState,
    ReplicaCreation? PendingCreation,
    int Attempts,
    DateTimeOffset? NextAttempt)
{
    public static Dictionary<string, StoredReplicaProgress> From(IReadOnlyDictionary<string, ReplicaProgress> progress) =>
        progress.ToDictionary(p => p.Key, p => new StoredReplicaProgress(p.Value.AddedEpoch, p.Value.AddedSyncVersion, p.Value.Epoch,
            p.Value.SyncVersion, p.Value.MaterialIds.ToList(), p.Value.KeyState, p.Value.PendingCreation, p.Value.Attempts, p.Value.NextAttempt),
            StringComparer.Ordinal);

    public ReplicaProgress ToModel() =>
        ReplicaProgress.Restore(AddedEpoch, AddedSyncVersion, Epoch, SyncVersion, MaterialIds ?? [], KeyState, PendingCreation, Attempts, NextAttempt);
}
