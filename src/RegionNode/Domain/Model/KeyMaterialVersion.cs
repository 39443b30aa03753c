using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// One version of a key's material, as stored: only wrapped under the Region's domain key. <see cref="MaterialId"/>
/// is 64 lowercase hex characters derived from the key ID and the material, so related keys agree on it.
/// </summary>
public sealed class KeyMaterialVersion
{
    public KeyMaterialVersion(
        string materialId,
        int ordinal,
        DateTimeOffset createdAt,
        RotationType? rotationType,
        KeyMaterialState state,
        byte[] wrappedMaterial)
    {
        MaterialId = materialId;
        Ordinal = ordinal;
        CreatedAt = createdAt;
        RotationType = rotationType;
        State = state;
        WrappedMaterial = wrappedMaterial;
    }

    public string MaterialId { get; }

    /// <summary>0 for the material the key was created with, then 1, 2, ... per rotation.</summary>
    public int Ordinal { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>Null for the original material; how each later version came to be.</summary>
    public RotationType? RotationType { get; }

    public KeyMaterialState State { get; internal set; }

    public byte[] WrappedMaterial { get; }
}
