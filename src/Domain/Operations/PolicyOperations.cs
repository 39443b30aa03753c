using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Paging;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Quotas;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Key policies, stored and returned per key; AccessControl evaluates them on every call.</summary>
public sealed class PolicyOperations(KeyResolver resolver, KeyChanges changes, AccessControl accessControl, PolicyPrincipals principals,
    ResourceQuotas quotas)
{
    public async Task PutKeyPolicyAsync(Caller caller, string keyId, string policyName, string policy, bool bypassLockoutSafetyCheck,
        CancellationToken cancellationToken)
    {
        KeyPolicies.RequirePolicyName(policyName);
        var document = KeyPolicies.Validate(policy, quotas.KeyPolicyBytes);
        var bound = await principals.BindAsync(document, refuseUnknown: true, cancellationToken).ConfigureAwait(false);
        await changes.ChangeAsync(keyId, Access.For(caller, "PutKeyPolicy", ConditionKeys.Bypass(bypassLockoutSafetyCheck)),
            key => accessControl.RequireNoLockoutAsync(caller, key, document, bound, bypassLockoutSafetyCheck, cancellationToken),
            key => key.PutPolicy(policy, bound), cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> GetKeyPolicyAsync(Caller caller, string keyId, string policyName, CancellationToken cancellationToken)
    {
        KeyPolicies.RequirePolicyName(policyName);
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "GetKeyPolicy"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.GetKeyPolicy);
        return key.Policy;
    }

    public async Task<Page<string>> ListKeyPoliciesAsync(Caller caller, string keyId, int? limit, string marker, CancellationToken cancellationToken)
    {
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "ListKeyPolicies"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.ListKeyPolicies);
        return PageMarkers.PageOf([KeyPolicies.DefaultPolicyName], limit, marker, 100);
    }
}
