namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// The shared multi-Region facts a key holds: which Region is primary, which hold replicas, and the version of these
/// shared properties (ordered by epoch, then sync version) so newer updates can be told from older ones. A primary
/// also keeps <see cref="Progress"/>: what each replica has acknowledged.
/// </summary>
public sealed class MultiRegionInfo
{
    public MultiRegionInfo(string primaryRegion, IEnumerable<string> replicaRegions, long epoch, long syncVersion,
        IDictionary<string, ReplicaProgress>? progress = null, IEnumerable<HandOff>? handOffs = null)
    {
        HandOffs = handOffs?.ToList() ?? [];
        PrimaryRegion = primaryRegion;
        ReplicaRegions = replicaRegions.ToList();
        Epoch = epoch;
        SyncVersion = syncVersion;
        Progress = progress is null ? new(StringComparer.Ordinal) : new(progress, StringComparer.Ordinal);
    }

    public string PrimaryRegion { get; internal set; }

    public List<string> ReplicaRegions { get; }

    public long Epoch { get; internal set; }

    public long SyncVersion { get; internal set; }

    public Dictionary<string, ReplicaProgress> Progress { get; }

    /// <summary>The set's latest hand-offs (<see cref="HandOffChain"/>), which this Region passes on with the shared state.</summary>
    public List<HandOff> HandOffs { get; private set; }

    internal void RecordHandOffs(IEnumerable<HandOff> handOffs) => HandOffs = HandOffChain.Merge(HandOffs, handOffs);

    /// <summary>The earliest moment anti-entropy has something to repeat for this key; null when nothing is outstanding.</summary>
    public DateTimeOffset? NextAttemptDue => Progress.Values.Select(p => p.NextAttempt).Where(t => t is not null).Min();

    internal void ReplaceReplicas(IEnumerable<string> regions)
    {
        var list = regions.Distinct(StringComparer.Ordinal).ToList();
        ReplicaRegions.Clear();
        ReplicaRegions.AddRange(list);
    }
}
