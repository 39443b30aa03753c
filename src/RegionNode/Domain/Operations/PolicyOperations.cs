using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Key policies, stored and returned per key (evaluated by the access layer).</summary>
public sealed class PolicyOperations(KeyResolver resolver, KeyChanges changes)
{
    public Task PutKeyPolicyAsync(string keyId, string policyName, string policy, CancellationToken cancellationToken)
    {
        KeyPolicies.RequirePolicyName(policyName);
        KeyPolicies.Validate(policy);
        return changes.ChangeAsync(keyId, key => key.PutPolicy(policy), cancellationToken);
    }

    public async Task<string> GetKeyPolicyAsync(string keyId, string policyName, CancellationToken cancellationToken)
    {
        KeyPolicies.RequirePolicyName(policyName);
        var key = await resolver.ResolveAsync(keyId, cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.GetKeyPolicy);
        return key.Policy;
    }

    public async Task<Page<string>> ListKeyPoliciesAsync(string keyId, int? limit, string marker, CancellationToken cancellationToken)
    {
        var key = await resolver.ResolveAsync(keyId, cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.ListKeyPolicies);
        return Markers.PageOf([KeyPolicies.DefaultPolicyName], limit, marker, 100);
    }
}
