using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>What one ImportKeyMaterial call asks for, besides the material itself.</summary>
public sealed record MaterialImport(
    ImportType? Type,
    string? ExpectedMaterialId,
    ExpirationModel ExpirationModel,
    DateTimeOffset? ValidTo,
    string? Description);

/// <summary>
/// Imported key material (origin EXTERNAL): each Region holds only what was imported into it, so a version can be
/// known here (from the set's shared state) without its material. A key is usable only while it holds its current
/// version and every earlier one; otherwise it is PendingImport.
/// </summary>
public sealed partial class KmsKey
{
    private readonly List<string> _consumedImportTokens = [];

    /// <summary>Import tokens this change used up; the repository deletes them in the change's transaction.</summary>
    public IReadOnlyList<string> ConsumedImportTokens => _consumedImportTokens;

    public bool IsReplica => MultiRegion is not null && !IsPrimary;

    /// <summary>Refuses import operations on keys whose material was generated here (key-state table footnote 9).</summary>
    public void RequireExternal(KeyOperation operation)
    {
        if (Origin != KeyOrigin.EXTERNAL)
        {
            throw KmsErrors.Unsupported($"{Arn} origin is {Origin} which is not valid for this operation.");
        }

        Require(operation);
    }

    /// <summary>
    /// Takes imported material (already unwrapped, checked against the key spec and named by <paramref name="materialId"/>)
    /// as a version of this key, wrapped under the domain key as <paramref name="wrapped"/>.
    /// </summary>
    public KeyMaterialVersion ImportMaterial(string materialId, byte[] wrapped, MaterialImport request, string importTokenId, DateTimeOffset now)
    {
        RequireExternal(KeyOperation.ImportKeyMaterial);
        var symmetric = KeySpec == KeySpec.SYMMETRIC_DEFAULT;
        if (request.ExpectedMaterialId is not null && !symmetric)
        {
            throw KmsErrors.Validation("KeyMaterialId is valid only for symmetric encryption keys.");
        }

        var type = request.Type ?? (_materials.Count == 0 && !IsReplica ? ImportType.NEW_KEY_MATERIAL : ImportType.EXISTING_KEY_MATERIAL);
        if (type == ImportType.NEW_KEY_MATERIAL && request.ExpectedMaterialId is not null)
        {
            throw KmsErrors.Validation("KeyMaterialId cannot be specified with ImportType NEW_KEY_MATERIAL.");
        }

        if (request.ExpectedMaterialId is { } expected && expected != materialId)
        {
            throw KmsErrors.IncorrectKeyMaterial($"The imported key material does not have key material ID {expected}.");
        }

        var version = type == ImportType.EXISTING_KEY_MATERIAL ? ExistingVersion(materialId) : NewVersion(materialId, now);
        version.WrappedMaterial = wrapped;
        var description = string.IsNullOrEmpty(request.Description) ? version.Import?.Description ?? string.Empty : request.Description;
        version.Import = new ImportDetails(request.ExpirationModel, request.ValidTo, description);
        _consumedImportTokens.Add(importTokenId);
        RefreshImportState();
        return version;
    }

    /// <summary>
    /// Deletes imported material in this Region: the current version's, or that of <paramref name="materialId"/>.
    /// Returns the version affected, or null when the key never held material (no effect). New material not yet
    /// rotated in is not bound to the key: on a primary or single-Region key it is forgotten entirely.
    /// </summary>
    public KeyMaterialVersion? DeleteImportedMaterial(string? materialId)
    {
        RequireExternal(KeyOperation.DeleteImportedKeyMaterial);
        var version = materialId is null
            ? _materials.LastOrDefault(m => m.State == KeyMaterialState.CURRENT)
            : FindMaterial(materialId) ?? throw KmsErrors.NotFound($"Key material {materialId} is not associated with {Arn}.");
        if (version is null)
        {
            return null;
        }

        if (version.IsPendingRotation && !IsReplica)
        {
            _materials.Remove(version);
        }
        else
        {
            Unhold(version);
        }

        RefreshImportState();
        return version;
    }

    /// <summary>Deletes every imported version whose ValidTo has passed at <paramref name="now"/>; returns their IDs.</summary>
    public IReadOnlyList<string> ExpireMaterial(DateTimeOffset now)
    {
        var expired = _materials.Where(m => m.IsHeld && m.HasExpired(now)).ToList();
        foreach (var version in expired)
        {
            Unhold(version);
        }

        RefreshImportState();
        return expired.Select(m => m.MaterialId).ToList();
    }

    /// <summary>The earliest ValidTo among held imported versions, for the expiry sweep.</summary>
    public DateTimeOffset? NextMaterialExpiry => _materials
        .Where(m => m.IsHeld && m.Import is { ExpirationModel: ExpirationModel.KEY_MATERIAL_EXPIRES })
        .Select(m => m.Import!.ValidTo)
        .Min();

    /// <summary>RotateKeyOnDemand of an imported key: the material imported as new (and, for a set, into every replica) becomes current.</summary>
    public void RotateIntoImported(DateTimeOffset now)
    {
        RequireRotationSupported(KeyOperation.RotateKeyOnDemand);
        var pending = _materials.Find(m => m.IsPendingRotation)
            ?? throw KmsErrors.InvalidStateBecause(
                $"{Arn} has no imported key material pending rotation; import new key material (ImportType NEW_KEY_MATERIAL) first.");
        if (pending.State == KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION)
        {
            throw KmsErrors.InvalidStateBecause(
                $"{Arn}: key material {pending.MaterialId} is not yet imported into every replica key; import it into each replica with ImportType EXISTING_KEY_MATERIAL first.");
        }

        if (!pending.IsHeld)
        {
            throw KmsErrors.InvalidState(Arn, "pending import");
        }

        RequireOnDemandRotationAllowed();
        MakeCurrent(pending);
        pending.RotationType = RotationType.ON_DEMAND;
        pending.CreatedAt = now;
        Rotation.OnDemandRotationStartDate = now;
    }

    /// <summary>
    /// On a replica of an imported key: follows the versions the primary lists. Versions it does not hold yet are
    /// recorded without material (to be imported here); versions the primary dropped (new material deleted before
    /// rotation) are dropped here too.
    /// </summary>
    private void FollowImportedVersions(IReadOnlyList<MaterialInfo> infos)
    {
        if (Origin != KeyOrigin.EXTERNAL)
        {
            return;
        }

        _materials.RemoveAll(m => infos.All(i => i.MaterialId != m.MaterialId));
        foreach (var info in infos.Where(i => FindMaterial(i.MaterialId) is null))
        {
            _materials.Add(NotHeld(info));
        }

        _materials.Sort((a, b) => a.Ordinal.CompareTo(b.Ordinal));
        RefreshImportState();
    }

    /// <summary>A version known from the set's shared state whose material this Region has not imported.</summary>
    public static KeyMaterialVersion NotHeld(MaterialInfo info) =>
        new(info.MaterialId, info.Ordinal, info.CreatedAt, info.RotationType, info.State, null, new ImportDetails(null, null, string.Empty));

    private KeyMaterialVersion ExistingVersion(string materialId) =>
        FindMaterial(materialId) ?? throw KmsErrors.IncorrectKeyMaterial(IsReplica
            ? $"The key material is not key material of the multi-Region key {KeyId}; import the material its primary key in {MultiRegion!.PrimaryRegion} has."
            : _materials.Count == 0
                ? $"{Arn} has no key material yet; import its first key material with ImportType NEW_KEY_MATERIAL."
                : $"The key material is not the key material previously imported into {Arn}.");

    private KeyMaterialVersion NewVersion(string materialId, DateTimeOffset now)
    {
        if (IsReplica)
        {
            throw KmsErrors.Unsupported(
                $"{Arn} is a multi-Region replica key; import new key material into the primary key in {MultiRegion!.PrimaryRegion}, then the same material here with ImportType EXISTING_KEY_MATERIAL.");
        }

        if (FindMaterial(materialId) is not null)
        {
            throw KmsErrors.IncorrectKeyMaterial($"The key material is already associated with {Arn}; import it with ImportType EXISTING_KEY_MATERIAL.");
        }

        var state = KeyMaterialState.CURRENT;
        if (_materials.Count > 0)
        {
            if (KeySpec != KeySpec.SYMMETRIC_DEFAULT)
            {
                throw KmsErrors.Unsupported($"{Arn} has key spec {KeySpec}; asymmetric and HMAC keys keep the key material first imported into them.");
            }

            if (_materials.Find(m => m.IsPendingRotation) is { } waiting)
            {
                throw KmsErrors.InvalidStateBecause(
                    $"{Arn} already has new key material {waiting.MaterialId} pending rotation; rotate the key or delete that material first.");
            }

            RequireOnDemandRotationAllowed();
            state = MultiRegion is { ReplicaRegions.Count: > 0 }
                ? KeyMaterialState.PENDING_MULTI_REGION_IMPORT_AND_ROTATION
                : KeyMaterialState.PENDING_ROTATION;
        }

        var version = new KeyMaterialVersion(materialId, NextMaterialOrdinal, now, null, state, null);
        _materials.Add(version);
        return version;
    }

    private void RequireOnDemandRotationAllowed()
    {
        if (OnDemandRotationCount >= MaxOnDemandRotations)
        {
            throw KmsErrors.LimitExceeded($"{Arn} has reached the maximum of {MaxOnDemandRotations} on-demand rotations.");
        }
    }

    private static void Unhold(KeyMaterialVersion version)
    {
        version.WrappedMaterial = null;
        version.Import = (version.Import ?? new ImportDetails(null, null, string.Empty)) with { ExpirationModel = null, ValidTo = null };
    }

    /// <summary>An imported key is usable while it holds its current version and every earlier one; PendingImport otherwise.</summary>
    private void RefreshImportState()
    {
        if (Origin != KeyOrigin.EXTERNAL)
        {
            return;
        }

        var usable = _materials.Any(m => m.State == KeyMaterialState.CURRENT)
                     && _materials.Where(m => m.State is KeyMaterialState.CURRENT or KeyMaterialState.NON_CURRENT).All(m => m.IsHeld);
        if (!usable && State is KeyState.Enabled or KeyState.Disabled)
        {
            State = KeyState.PendingImport;
        }
        else if (usable && State == KeyState.PendingImport)
        {
            State = KeyState.Enabled;
        }
    }
}
