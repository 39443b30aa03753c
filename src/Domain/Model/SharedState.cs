using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>What related keys agree on about one material version (never the material itself).</summary>
public sealed record MaterialInfo(string MaterialId, int Ordinal, DateTimeOffset CreatedAt, RotationType? RotationType, KeyMaterialState State);

/// <summary>
/// The shared properties of a multi-Region key set as the primary of <see cref="Epoch"/> knows them at
/// <see cref="SyncVersion"/>. Versions are ordered by epoch, then sync version; only a newer one is ever applied.
/// </summary>
public sealed record SharedState(
    long Epoch,
    long SyncVersion,
    string PrimaryRegion,
    IReadOnlyList<string> ReplicaRegions,
    KeySpec KeySpec,
    KeyUsage KeyUsage,
    KeyOrigin Origin,
    bool RotationEnabled,
    int? RotationPeriodInDays,
    DateTimeOffset? NextRotationDate,
    DateTimeOffset? OnDemandRotationStartDate,
    IReadOnlyList<MaterialInfo> Materials)
{
    public bool IsNewerThan(long epoch, long syncVersion) => Epoch > epoch || (Epoch == epoch && SyncVersion > syncVersion);

    /// <summary>The latest hand-offs of the set, oldest first; the last made <see cref="PrimaryRegion"/> primary of <see cref="Epoch"/>.</summary>
    public IReadOnlyList<HandOff> HandOffs { get; init; } = [];
}
