using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// One version of a key's material, as stored: only wrapped under the Region's domain key. <see cref="MaterialId"/>
/// is 64 lowercase hex characters derived from the key ID and the material, so related keys agree on it. A version
/// of an imported (EXTERNAL) key may be known without its material in this Region: pending import, never imported
/// here, expired or deleted.
/// </summary>
public sealed class KeyMaterialVersion
{
    public KeyMaterialVersion(
        string materialId,
        int ordinal,
        DateTimeOffset createdAt,
        RotationType? rotationType,
        KeyMaterialState state,
        byte[]? wrappedMaterial,
        ImportDetails? import = null)
    {
        MaterialId = materialId;
        Ordinal = ordinal;
        CreatedAt = createdAt;
        RotationType = rotationType;
        State = state;
        WrappedMaterial = wrappedMaterial;
        Import = import;
    }

    public string MaterialId { get; }

    /// <summary>0 for the material the key was created with, then 1, 2, ... per rotation.</summary>
    public int Ordinal { get; }

    /// <summary>When the version was created, or for imported material, when it became current by rotation.</summary>
    public DateTimeOffset CreatedAt { get; internal set; }

    /// <summary>Null for the original material and for imported material not yet rotated in; how each later version came to be.</summary>
    public RotationType? RotationType { get; internal set; }

    public KeyMaterialState State { get; internal set; }

    /// <summary>The material wrapped under the domain key; null while an imported version is not held in this Region.</summary>
    public byte[]? WrappedMaterial { get; internal set; }

    /// <summary>How the material was imported here (expiry, description); null for generated material.</summary>
    public ImportDetails? Import { get; internal set; }

    public bool IsHeld => WrappedMaterial is not null;

    /// <summary>True for the versions that new material waits in before RotateKeyOnDemand makes it current.</summary>
    public bool IsPendingRotation => State is KeyMaterialState.PENDING_ROTATION or KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION;

    /// <summary>True when imported material has passed its ValidTo at <paramref name="now"/>.</summary>
    public bool HasExpired(DateTimeOffset now) =>
        Import is { ExpirationModel: ExpirationModel.KEY_MATERIAL_EXPIRES, ValidTo: { } validTo } && validTo <= now;
}

/// <summary>What one import said about a version's material in this Region.</summary>
public sealed record ImportDetails(ExpirationModel? ExpirationModel, DateTimeOffset? ValidTo, string Description);
