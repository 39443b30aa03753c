using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>What ReplicateKey answers: the new replica as it is created, with its policy and tags.</summary>
public sealed record ReplicaCreated(KmsKey Replica, string Policy, IReadOnlyList<Tag> Tags);

/// <summary>
/// ReplicateKey and UpdatePrimaryRegion, called on the primary. Each records its intent and the messages that carry it
/// out in one transaction and answers at once; the other Region completes the work when the messages reach it.
/// </summary>
public sealed class MultiRegionOperations(
    KeyResolver resolver,
    KeyChanges changes,
    IReplicationChannel channel,
    SharedStateSync sync,
    AccessControl accessControl,
    PolicyPrincipals principals,
    RegionIdentity region,
    TimeProvider time,
    ResourceQuotas quotas)
{
    public async Task<ReplicaCreated> ReplicateKeyAsync(Caller caller, string keyId, string replicaRegion, string policy, string description,
        IReadOnlyList<Tag> tags, bool bypassLockoutSafetyCheck, CancellationToken cancellationToken)
    {
        ParameterChecks.RegionName(replicaRegion, "replicaRegion");
        ParameterChecks.WellFormed(description, "description");
        ParameterChecks.Length(description, "description", 0, KeyLifecycleOperations.MaxDescriptionLength);
        var replicaPolicy = string.IsNullOrEmpty(policy) ? KeyPolicies.DefaultPolicy(region) : policy;
        TagRules.Validate(tags, quotas.TagsPerKey);

        var replicaDocument = KeyPolicies.Validate(replicaPolicy, quotas.KeyPolicyBytes);
        var (id, alias) = await resolver.ResolveReferenceAsync(keyId, cancellationToken).ConfigureAwait(false);
        using var change = await changes.OpenAsync(id, caller, cancellationToken).ConfigureAwait(false);
        var key = change.Key ?? throw KmsErrors.KeyNotFound(region.KeyArn(id));
        await accessControl.AuthorizeAsync(key, Access.For(caller, "ReplicateKey", ConditionKeys.All(
            ConditionKeys.One("kms:ReplicaRegion", replicaRegion), ConditionKeys.Bypass(bypassLockoutSafetyCheck))), alias, cancellationToken).ConfigureAwait(false);

        // The replica Region binds the policy's principals to its own; here the names must exist.
        var bound = await principals.BindAsync(replicaDocument, refuseUnknown: true, cancellationToken).ConfigureAwait(false);
        if (replicaRegion != region.Region && !channel.IsClusterRegion(replicaRegion))
        {
            throw KmsErrors.Unsupported($"{replicaRegion} is not a Region of this cluster; replicas can be created only in its Regions.");
        }

        var creation = new ReplicaCreation(description, replicaPolicy, tags);
        key.AddReplica(replicaRegion, creation);

        // The caller must keep access to the replica (as it will be there: a replica, with its own tags), unless it bypasses the check.
        var mr = key.MultiRegion!;
        var replica = new KmsKey(key.KeyId, region.KeyArnIn(replicaRegion, key.KeyId), time.GetUtcNow(), key.KeySpec, key.KeyUsage, key.Origin,
            KeyState.Creating, description, replicaPolicy, tags, new MultiRegionInfo(mr.PrimaryRegion, mr.ReplicaRegions, mr.Epoch, mr.SyncVersion), []);
        await accessControl.RequireNoLockoutAsync(caller, replica, replicaDocument, bound, bypassLockoutSafetyCheck, cancellationToken)
            .ConfigureAwait(false);
        var outgoing = new List<OutgoingMessage>
        {
            channel.Encode(replicaRegion, key.KeyId, new CreateReplicaMessage(key.Shared(), creation)) with { Deliver = key.MaterialsOwedTo(replicaRegion) },
        };
        sync.Scheduled(key, replicaRegion);
        outgoing.AddRange(sync.Broadcast(key, except: replicaRegion));
        await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
        return new ReplicaCreated(replica, replicaPolicy, tags);
    }

    public async Task UpdatePrimaryRegionAsync(Caller caller, string keyId, string primaryRegion, CancellationToken cancellationToken)
    {
        ParameterChecks.RegionName(primaryRegion, "primaryRegion");
        var (id, alias) = await resolver.ResolveReferenceAsync(keyId, cancellationToken).ConfigureAwait(false);
        using var change = await changes.OpenAsync(id, caller, cancellationToken).ConfigureAwait(false);
        var key = change.Key ?? throw KmsErrors.KeyNotFound(region.KeyArn(id));
        await accessControl.AuthorizeAsync(key, Access.For(caller, "UpdatePrimaryRegion", ConditionKeys.One("kms:PrimaryRegion", primaryRegion)), alias,
            cancellationToken).ConfigureAwait(false);
        var promoted = key.BeginHandOff(primaryRegion, region.KeyArnIn(primaryRegion, key.KeyId),
            epoch => channel.SignHandOff(key.KeyId, epoch, primaryRegion, caller.PrincipalArn));
        sync.Scheduled(key, primaryRegion);
        var outgoing = new[] { channel.Encode(primaryRegion, key.KeyId, new PromoteMessage(promoted)) };
        await change.SaveAsync(outgoing, cancellationToken).ConfigureAwait(false);
    }
}
