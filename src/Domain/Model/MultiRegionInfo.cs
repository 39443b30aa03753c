namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// The shared multi-Region facts a key holds: which Region is primary, which hold replicas, and the version of these
/// shared properties (ordered by epoch, then sync version) so newer updates can be told from older ones. A primary
/// also keeps <see cref="Progress"/>: what each replica has acknowledged. Only the key (<see cref="KmsKey"/>) changes
/// them, through its rules.
/// </summary>
public sealed class MultiRegionInfo
{
    private readonly List<string> _replicaRegions;
    private readonly Dictionary<string, ReplicaProgress> _progress;
    private List<HandOff> _handOffs;

    public MultiRegionInfo(string primaryRegion, IEnumerable<string> replicaRegions, long epoch, long syncVersion,
        IEnumerable<KeyValuePair<string, ReplicaProgress>>? progress = null, IEnumerable<HandOff>? handOffs = null)
    {
        _handOffs = handOffs?.ToList() ?? [];
        PrimaryRegion = primaryRegion;
        _replicaRegions = replicaRegions.Distinct(StringComparer.Ordinal).ToList();
        Epoch = epoch;
        SyncVersion = syncVersion;
        _progress = progress is null ? new(StringComparer.Ordinal) : new(progress, StringComparer.Ordinal);
    }

    public string PrimaryRegion { get; internal set; }

    public IReadOnlyList<string> ReplicaRegions => _replicaRegions;

    public long Epoch { get; internal set; }

    public long SyncVersion { get; internal set; }

    public IReadOnlyDictionary<string, ReplicaProgress> Progress => _progress;

    /// <summary>The set's latest hand-offs (<see cref="HandOffChain"/>), which this Region passes on with the shared state.</summary>
    public IReadOnlyList<HandOff> HandOffs => _handOffs;

    /// <summary>The earliest moment anti-entropy has something to repeat for this key; null when nothing is outstanding.</summary>
    public DateTimeOffset? NextAttemptDue => _progress.Values.Select(p => p.NextAttempt).Where(t => t is not null).Min();

    internal void RecordHandOffs(IEnumerable<HandOff> handOffs) => _handOffs = HandOffChain.Merge(_handOffs, handOffs);

    internal void ReplaceReplicas(IEnumerable<string> regions)
    {
        var list = regions.Distinct(StringComparer.Ordinal).ToList();
        _replicaRegions.Clear();
        _replicaRegions.AddRange(list);
    }

    internal void AddReplicaRegion(string region)
    {
        if (!_replicaRegions.Contains(region))
        {
            _replicaRegions.Add(region);
        }
    }

    internal void RemoveReplicaRegion(string region)
    {
        _replicaRegions.Remove(region);
        _progress.Remove(region);
    }

    /// <summary>What <paramref name="region"/> has acknowledged; a fresh record when nothing is known of it yet.</summary>
    internal ReplicaProgress ProgressOf(string region) =>
        _progress.TryGetValue(region, out var known) ? known : _progress[region] = new ReplicaProgress();

    internal void StartProgress(string region, ReplicaProgress progress) => _progress[region] = progress;

    internal void ForgetProgress() => _progress.Clear();
}
