namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>The Regions of this cluster, as configured: the only ones that may connect and be relayed to.</summary>
public sealed record ClusterRegions(IReadOnlyList<string> Names)
{
    public bool Contains(string region) => Names.Contains(region, StringComparer.Ordinal);
}
