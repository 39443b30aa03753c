using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Key policies, stored and returned per key; AccessControl evaluates them on every call.</summary>
public sealed class PolicyOperations(KeyResolver resolver, KeyChanges changes, AccessControl accessControl)
{
    public Task PutKeyPolicyAsync(Caller caller, string keyId, string policyName, string policy, bool bypassLockoutSafetyCheck, CancellationToken cancellationToken)
    {
        KeyPolicies.RequirePolicyName(policyName);
        var document = KeyPolicies.Validate(policy);
        return changes.ChangeAsync(keyId, Access.For(caller, "PutKeyPolicy"), key =>
        {
            accessControl.RequireNoLockout(caller, document, key.Arn, bypassLockoutSafetyCheck);
            key.PutPolicy(policy);
        }, cancellationToken);
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
        return Markers.PageOf([KeyPolicies.DefaultPolicyName], limit, marker, 100);
    }
}
