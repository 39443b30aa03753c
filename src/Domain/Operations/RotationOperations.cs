using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Paging;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Automatic and on-demand rotation of symmetric keys; old versions keep decrypting forever.</summary>
public sealed class RotationOperations(
    IKeyStore store,
    KeyResolver resolver,
    KeyChanges changes,
    KeyMaterials materials,
    SharedStateSync sync,
    IAuditSink audit,
    TimeProvider time)
{
    public Task EnableKeyRotationAsync(Caller caller, string keyId, int? rotationPeriodInDays, CancellationToken cancellationToken)
    {
        var period = rotationPeriodInDays ?? RotationSettings.DefaultPeriodInDays;
        ParameterChecks.Range(period, "rotationPeriodInDays", RotationSettings.MinPeriodInDays, RotationSettings.MaxPeriodInDays);
        return changes.ChangeAsync(keyId, Access.For(caller, "EnableKeyRotation", ConditionKeys.One("kms:RotationPeriodInDays", period)), key =>
        {
            key.EnableRotation(time.GetUtcNow(), period);
            return Shared(key);
        }, cancellationToken);
    }

    public Task DisableKeyRotationAsync(Caller caller, string keyId, CancellationToken cancellationToken) =>
        changes.ChangeAsync(keyId, Access.For(caller, "DisableKeyRotation"), key =>
        {
            key.DisableRotation();
            return Shared(key);
        }, cancellationToken);

    public async Task<RotationStatus> GetKeyRotationStatusAsync(Caller caller, string keyId, CancellationToken cancellationToken)
    {
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "GetKeyRotationStatus"), cancellationToken).ConfigureAwait(false);
        key.RequireRotationSupported(KeyOperation.GetKeyRotationStatus);

        // AWS reports rotation as off while a key waits for deletion; the setting returns if deletion is cancelled.
        var pendingDeletion = key.State is KeyState.PendingDeletion or KeyState.PendingReplicaDeletion;
        var enabled = key.Rotation.Enabled && !pendingDeletion;
        return new RotationStatus(key.Arn, enabled, key.Rotation.Enabled ? key.Rotation.PeriodInDays : null,
            enabled ? key.Rotation.NextRotationDate : null, key.Rotation.OnDemandRotationStartDate);
    }

    public async Task<string> RotateKeyOnDemandAsync(Caller caller, string keyId, CancellationToken cancellationToken)
    {
        var key = await changes.ChangeAsync(keyId, Access.For(caller, "RotateKeyOnDemand"), k =>
        {
            RotateNow(k, RotationType.ON_DEMAND);
            return Shared(k);
        }, cancellationToken).ConfigureAwait(false);
        return key.Arn;
    }

    public async Task<(KmsKey Key, Page<KeyMaterialVersion> Page)> ListKeyRotationsAsync(Caller caller, string keyId,
        IncludeKeyMaterial? include, int? limit, string marker, CancellationToken cancellationToken)
    {
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "ListKeyRotations"), cancellationToken).ConfigureAwait(false);
        key.RequireRotationSupported(KeyOperation.ListKeyRotations);
        var versions = include == IncludeKeyMaterial.ALL_KEY_MATERIAL
            ? key.Materials
            : key.Materials.Where(m => m.RotationType is not null).ToList();
        return (key, PageMarkers.PageOf(versions, limit, marker, 100));
    }

    /// <summary>Rotates every enabled key whose automatic rotation has come due. Returns the rotated key IDs.</summary>
    public async Task<IReadOnlyList<string>> RotateDueKeysAsync(CancellationToken cancellationToken)
    {
        var rotated = new List<string>();
        foreach (var keyId in await store.KeysDueForRotationAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            var done = false;
            (DateTimeOffset Due, DateTimeOffset Now) decided = default;
            var key = await changes.ChangeByIdAsync(keyId, key =>
            {
                // A disabled key is not rotated; it rotates as soon as it is enabled again if it is overdue. Replicas
                // rotate with their primary, and a rotation still waiting for replicas holds the next one back.
                if (key is { State: KeyState.Enabled, Rotation: { Enabled: true, NextRotationDate: { } due } } && due <= time.GetUtcNow()
                    && (key.MultiRegion is null || key.IsPrimary)
                    && key.Materials.All(m => m.State != KeyMaterialState.PENDING_ROTATION))
                {
                    decided = (due, time.GetUtcNow());
                    RotateNow(key, RotationType.AUTOMATIC);
                    done = true;
                    return Shared(key);
                }

                return [];
            }, cancellationToken).ConfigureAwait(false);
            if (done)
            {
                rotated.Add(keyId);
                audit.Record(AuditEvent.Internal("RotateKey", key.Arn,
                    new Dictionary<string, object?>(DueActionAudit.Parameters(decided.Due, decided.Now)) { ["rotationType"] = "AUTOMATIC" }));
            }
        }

        return rotated;
    }

    /// <summary>Rotation material and settings are shared: a primary tells its replicas in the same transaction.</summary>
    private IReadOnlyList<OutgoingMessage> Shared(KmsKey key)
    {
        if (key.MultiRegion is null)
        {
            return [];
        }

        key.AdvanceSync();
        return sync.Broadcast(key);
    }

    private void RotateNow(KmsKey key, RotationType type)
    {
        key.RequireRotationSupported(type == RotationType.ON_DEMAND ? KeyOperation.RotateKeyOnDemand : KeyOperation.EnableKeyRotation);
        var now = time.GetUtcNow();
        if (key.Origin == KeyOrigin.EXTERNAL)
        {
            key.RotateIntoImported(now);
            return;
        }

        key.Rotate(materials.CreateVersion(key.KeyId, key.KeySpec, key.NextMaterialOrdinal, now, type), now);
    }
}
