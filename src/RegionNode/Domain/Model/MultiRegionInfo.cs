namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// The shared multi-Region facts a key holds: which Region is primary, which hold replicas, and the version of these
/// shared properties (ordered by epoch, then sync version) so newer updates can be told from older ones.
/// </summary>
public sealed class MultiRegionInfo
{
    public MultiRegionInfo(string primaryRegion, IEnumerable<string> replicaRegions, long epoch, long syncVersion)
    {
        PrimaryRegion = primaryRegion;
        ReplicaRegions = replicaRegions.ToList();
        Epoch = epoch;
        SyncVersion = syncVersion;
    }

    public string PrimaryRegion { get; internal set; }

    public List<string> ReplicaRegions { get; }

    public long Epoch { get; internal set; }

    public long SyncVersion { get; internal set; }
}
