using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Paging;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Creating, describing, listing, enabling, disabling and deleting keys.</summary>
public sealed class KeyLifecycleOperations(
    IKeyStore store,
    KeyResolver resolver,
    KeyChanges changes,
    KeyMaterials materials,
    IRandomSource random,
    IReplicationChannel channel,
    SharedStateSync sync,
    AccessControl accessControl,
    IAuditSink audit,
    PolicyPrincipals principals,
    RegionIdentity region,
    TimeProvider time,
    ResourceQuotas quotas)
{
    public const int MaxDescriptionLength = 8192;
    public const int MinPendingWindowInDays = 7;
    public const int MaxPendingWindowInDays = 30;

    public async Task<KmsKey> CreateKeyAsync(Caller caller, CreateKeyCommand command, CancellationToken cancellationToken)
    {
        ValidateDescription(command.Description);
        accessControl.AuthorizeAccountAction(caller, "kms:CreateKey");
        var policy = string.IsNullOrEmpty(command.Policy) ? KeyPolicies.DefaultPolicy(region) : command.Policy;
        var document = KeyPolicies.Validate(policy, quotas.KeyPolicyBytes);
        var tags = TagRules.Validate(command.Tags, quotas.TagsPerKey);
        var spec = command.KeySpec ?? KeySpec.SYMMETRIC_DEFAULT;
        if (spec != KeySpec.SYMMETRIC_DEFAULT && command.KeyUsage is null)
        {
            // AWS's words (recorded against AWS): asymmetric and HMAC keys name their usage.
            throw KmsErrors.Validation("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
        }

        var usage = command.KeyUsage ?? KeyUsage.ENCRYPT_DECRYPT;
        if (!KeySpecCatalog.Get(spec).Usages.Contains(usage))
        {
            throw KmsErrors.Validation($"KeyUsage {usage} is not compatible with KeySpec {spec}");
        }

        var origin = command.Origin ?? KeyOrigin.AWS_KMS;
        if (origin == KeyOrigin.EXTERNAL && !KeySpecCatalog.AcceptsImportedMaterial(spec))
        {
            throw KmsErrors.Unsupported($"KeySpec {spec} does not support imported key material (Origin EXTERNAL).");
        }

        // Counted before the write, not in its transaction: creations running at the same moment may pass the quota
        // together, by at most their number (CreateKey's request quota keeps that small).
        if (await store.CountKeysAsync(cancellationToken).ConfigureAwait(false) >= quotas.KeysPerRegion)
        {
            throw KmsErrors.LimitExceeded($"This Region already holds {quotas.KeysPerRegion} KMS keys, its quota of KMS keys (replicas and keys pending deletion count).");
        }

        var now = time.GetUtcNow();
        var keyId = random.NewKeyId(command.MultiRegion);
        var bound = await principals.BindAsync(document, refuseUnknown: true, cancellationToken).ConfigureAwait(false);
        var multiRegion = command.MultiRegion ? new MultiRegionInfo(region.Region, [], epoch: 1, syncVersion: 1) : null;

        // A key for imported material starts without any, waiting for ImportKeyMaterial.
        var pending = new KmsKey(keyId, region.KeyArn(keyId), now, spec, usage, origin, KeyState.PendingImport, command.Description, policy, tags,
            multiRegion, []).WithPolicyPrincipals(bound);
        await accessControl.RequireNoLockoutAsync(caller, pending, document, bound, command.BypassPolicyLockoutSafetyCheck, cancellationToken)
            .ConfigureAwait(false);
        var key = origin == KeyOrigin.EXTERNAL
            ? pending
            : new KmsKey(keyId, region.KeyArn(keyId), now, spec, usage, origin, KeyState.Enabled, command.Description, policy, tags, multiRegion,
                [materials.CreateVersion(keyId, spec, 0, now, rotationType: null)]).WithPolicyPrincipals(bound);
        using var change = await changes.OpenAsync(keyId, caller, cancellationToken).ConfigureAwait(false);
        await change.InsertAsync(key, [], cancellationToken).ConfigureAwait(false);
        return key;
    }

    public async Task<KmsKey> DescribeKeyAsync(Caller caller, string keyId, IReadOnlyCollection<string> grantTokens, CancellationToken cancellationToken)
    {
        ParameterChecks.GrantTokens(grantTokens);
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "DescribeKey"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.DescribeKey);
        return key;
    }

    /// <summary>
    /// GetKeyLastUsage: the key's last successful cryptographic use in this Region, from the row its audit record wrote,
    /// and since when this Region has been recording (the key's creation, or the store's first start with tracking).
    /// </summary>
    public async Task<KeyUsageReport> GetKeyLastUsageAsync(Caller caller, string keyId, CancellationToken cancellationToken)
    {
        ParameterChecks.Present(keyId, "keyId");
        if (KeyReference.Parse(keyId, region).AliasName is not null)
        {
            throw KmsErrors.Validation("GetKeyLastUsage takes a key ID or key ARN; alias names are not supported.");
        }

        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "GetKeyLastUsage"), cancellationToken).ConfigureAwait(false);
        var usage = await store.FindLastUsageAsync(key.KeyId, cancellationToken).ConfigureAwait(false);
        var trackingStart = await store.UsageTrackingStartAsync(cancellationToken).ConfigureAwait(false);
        var since = trackingStart is { } start && start > key.CreationDate ? start : key.CreationDate;
        return new KeyUsageReport(key.KeyId, usage, since, key.CreationDate);
    }

    public async Task<Page<string>> ListKeysAsync(Caller caller, int? limit, string marker, CancellationToken cancellationToken)
    {
        accessControl.AuthorizeAccountAction(caller, "kms:ListKeys");
        var take = PageMarkers.Limit(limit, 100);
        var after = PageMarkers.Decode(marker);
        if (after is not null && !KeyReference.IsKeyId(after))
        {
            throw KmsErrors.InvalidMarker();
        }

        var ids = await store.ListKeyIdsAsync(after, take + 1, cancellationToken).ConfigureAwait(false);
        return ids.Count > take
            ? new Page<string>(ids.Take(take).ToList(), PageMarkers.Encode(ids[take - 1]))
            : new Page<string>(ids, null);
    }

    public Task UpdateKeyDescriptionAsync(Caller caller, string keyId, string description, CancellationToken cancellationToken)
    {
        ValidateDescription(description);
        return changes.ChangeAsync(keyId, Access.For(caller, "UpdateKeyDescription"), key => key.UpdateDescription(description), cancellationToken);
    }

    public Task EnableKeyAsync(Caller caller, string keyId, CancellationToken cancellationToken) =>
        changes.ChangeAsync(keyId, Access.For(caller, "EnableKey"), key =>
        {
            key.Enable();
            return sync.Report(key);
        }, cancellationToken);

    public Task DisableKeyAsync(Caller caller, string keyId, CancellationToken cancellationToken) =>
        changes.ChangeAsync(keyId, Access.For(caller, "DisableKey"), key =>
        {
            key.Disable();
            return sync.Report(key);
        }, cancellationToken);

    public async Task<ScheduledDeletion> ScheduleKeyDeletionAsync(Caller caller, string keyId, int? pendingWindowInDays, CancellationToken cancellationToken)
    {
        var days = pendingWindowInDays ?? MaxPendingWindowInDays;
        ParameterChecks.Range(days, "pendingWindowInDays", MinPendingWindowInDays, MaxPendingWindowInDays);
        var key = await changes.ChangeAsync(keyId, Access.For(caller, "ScheduleKeyDeletion", ConditionKeys.One("kms:ScheduleKeyDeletionPendingWindowInDays", days)), k =>
        {
            k.ScheduleDeletion(time.GetUtcNow(), days);
            return sync.Report(k);
        }, cancellationToken).ConfigureAwait(false);
        return new ScheduledDeletion(key.Arn, key.DeletionDate, key.State, days);
    }

    public async Task<string> CancelKeyDeletionAsync(Caller caller, string keyId, CancellationToken cancellationToken)
    {
        var key = await changes.ChangeAsync(keyId, Access.For(caller, "CancelKeyDeletion"), k =>
        {
            k.CancelDeletion();
            return sync.Report(k);
        }, cancellationToken).ConfigureAwait(false);
        return key.Arn;
    }

    /// <summary>Deletes, for good, every key whose waiting period has ended. Returns the deleted key IDs.</summary>
    public async Task<IReadOnlyList<string>> DeleteDueKeysAsync(CancellationToken cancellationToken)
    {
        var deleted = new List<string>();
        foreach (var keyId in await store.KeysDueForDeletionAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            using var change = await changes.OpenAsync(keyId, Caller.System, cancellationToken).ConfigureAwait(false);
            var key = change.Key;
            var now = time.GetUtcNow();
            if (key is { State: KeyState.PendingDeletion, DeletionDate: { } due } && due <= now)
            {
                // A replica tells its primary, which stops listing it; the tombstone answers late messages about it.
                var outgoing = key is { MultiRegion: { } mr, IsPrimary: false }
                    ? [channel.Encode(mr.PrimaryRegion, keyId, new ReplicaDeletedMessage(mr.Epoch, mr.SyncVersion))]
                    : Array.Empty<OutgoingMessage>();
                await change.DeleteAsync(key.Tombstone(now), outgoing, cancellationToken).ConfigureAwait(false);
                deleted.Add(keyId);
                audit.Record(AuditEvent.Internal("DeleteKey", key.Arn, DueActionAudit.Parameters(due, now)));
            }
        }

        return deleted;
    }

    private static void ValidateDescription(string description)
    {
        ParameterChecks.WellFormed(description, "description");
        ParameterChecks.Length(description, "description", 0, MaxDescriptionLength);
    }
}
