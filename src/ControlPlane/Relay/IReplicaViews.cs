using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>
/// What a replica hears from the Regions it serves and every replica's console shows: each Region's key census and
/// audit briefs. With one ControlPlane there is nobody to tell.
/// </summary>
public interface IReplicaViews
{
    /// <summary>Passes on a census or audit frame this replica accepted from <paramref name="region"/>.</summary>
    void Share(string region, RegionFrame frame);
}

public sealed class NoOtherReplicas : IReplicaViews
{
    public void Share(string region, RegionFrame frame)
    {
    }
}
