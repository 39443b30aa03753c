using System.Collections.Concurrent;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>
/// Decides whether a caller may do an action on a key: the key's policy, evaluated with the condition keys every
/// request carries (caller, key properties, multi-Region type, aliases) plus the operation's own. Parsed policies are
/// cached by their text. Only the node's own work passes without a decision; an operator is no principal of any key.
/// </summary>
public sealed class AccessControl(IKeyStore store, IGrantStore grants, RegionIdentity region)
{
    private const int MaxCachedPolicies = 1024;
    private readonly ConcurrentDictionary<string, PolicyDocument> _parsed = new(StringComparer.Ordinal);

    /// <summary>Throws AccessDeniedException unless the policy or a grant allows it; the node's own work passes.</summary>
    public async Task AuthorizeAsync(KmsKey key, Access access, string? requestAlias, CancellationToken cancellationToken,
        Func<KmsException>? denied = null)
    {
        var caller = access.Caller;
        if (caller.Type == CallerType.System)
        {
            return;
        }

        var (decision, request) = await DecideAsync(key, access, requestAlias, cancellationToken).ConfigureAwait(false);
        if (decision == PolicyDecision.Allow
            || (decision == PolicyDecision.ImplicitDeny && request is not null && await GrantAllowsAsync(key, request, cancellationToken).ConfigureAwait(false)))
        {
            return;
        }

        throw denied?.Invoke() ?? KmsErrors.AccessDenied(caller.PrincipalArn, access.Action, key.Arn, decision == PolicyDecision.ExplicitDeny);
    }

    /// <summary>
    /// What the key's policy alone says of the access (grants not consulted), with the request it was evaluated with;
    /// an operator is never a principal of a key policy, so it is denied. The node's own work is allowed.
    /// </summary>
    public async Task<(PolicyDecision Decision, AccessRequest? Request)> DecideAsync(KmsKey key, Access access, string? requestAlias,
        CancellationToken cancellationToken)
    {
        var caller = access.Caller;
        if (caller.Type == CallerType.System)
        {
            return (PolicyDecision.Allow, null);
        }

        if (caller.Type != CallerType.Principal)
        {
            return (PolicyDecision.ImplicitDeny, null);
        }

        var request = new AccessRequest(caller.PrincipalArn, access.Action, key.Arn);
        request.With("kms:CallerAccount", request.PrincipalAccount)
            .With("aws:PrincipalArn", caller.PrincipalArn)
            .With("kms:KeySpec", key.KeySpec.ToString())
            .With("kms:KeyUsage", key.KeyUsage.ToString())
            .With("kms:KeyOrigin", key.Origin.ToString())
            .With("kms:MultiRegion", key.IsMultiRegion ? "true" : "false");
        if (key.MultiRegion is not null)
        {
            request.With("kms:MultiRegionKeyType", key.IsPrimary ? "PRIMARY" : "REPLICA");
        }

        if (requestAlias is not null)
        {
            request.With("kms:RequestAlias", requestAlias);
        }

        // Listing the key's aliases costs a query; only policies that ask about them pay for it.
        if (key.Policy.Contains("ResourceAliases", StringComparison.OrdinalIgnoreCase))
        {
            var aliases = await store.ListAliasesAsync(key.KeyId, null, 1000, cancellationToken).ConfigureAwait(false);
            if (aliases.Count > 0)
            {
                request.With("kms:ResourceAliases", aliases.Select(a => a.AliasName).ToArray());
            }
        }

        access.Context?.Invoke(request);
        return (Policy(key).Evaluate(request), request);
    }

    /// <summary>
    /// A grant to the caller that includes the operation and whose constraints admit the request's encryption context.
    /// Grants extend what the policy allows; an explicit Deny in the policy is never overridden.
    /// </summary>
    private async Task<bool> GrantAllowsAsync(KmsKey key, AccessRequest request, CancellationToken cancellationToken)
    {
        var operationName = request.Action.StartsWith("kms:", StringComparison.Ordinal) ? request.Action[4..] : request.Action;
        // CreateGrant through a grant is narrower than the grant itself: GrantManagement decides it (the subset rule).
        if (!Enum.TryParse<GrantOperation>(operationName, out var operation) || !Enum.IsDefined(operation) || operation == GrantOperation.CreateGrant)
        {
            return false;
        }

        var held = await grants.ListGrantsAsync(key.KeyId, request.PrincipalArn, null, 1000, cancellationToken).ConfigureAwait(false);
        return held.Any(g => g.Operations.Contains(operation) && g.Admits(request.EncryptionContext));
    }

    /// <summary>
    /// The lockout safety check of CreateKey, PutKeyPolicy and ReplicateKey: a new policy must let the caller change the
    /// policy again, unless the caller explicitly bypasses the check.
    /// </summary>
    public void RequireNoLockout(Caller caller, PolicyDocument policy, string keyArn, bool bypass)
    {
        if (bypass || caller.Type == CallerType.System)
        {
            return;
        }

        var request = new AccessRequest(caller.PrincipalArn, "kms:PutKeyPolicy", keyArn);
        request.With("kms:CallerAccount", request.PrincipalAccount).With("aws:PrincipalArn", caller.PrincipalArn);
        if (policy.Evaluate(request) != PolicyDecision.Allow)
        {
            throw KmsErrors.MalformedPolicy(
                "The new key policy will not allow you to update the key policy in the future.");
        }
    }

    /// <summary>Calls that name no key (CreateKey, ListKeys, ListAliases, GenerateRandom): any principal of this account.</summary>
    public void AuthorizeAccountAction(Caller caller, string action)
    {
        if (caller.Type == CallerType.System)
        {
            return;
        }

        if (caller.Type != CallerType.Principal || new AccessRequest(caller.PrincipalArn, action, "*").PrincipalAccount != region.AccountId)
        {
            throw KmsErrors.AccessDenied(caller.PrincipalArn, action, $"arn:{region.Partition}:kms:{region.Region}:{region.AccountId}:*");
        }
    }

    private PolicyDocument Policy(KmsKey key)
    {
        if (_parsed.TryGetValue(key.Policy, out var cached))
        {
            return cached;
        }

        if (_parsed.Count >= MaxCachedPolicies)
        {
            _parsed.Clear();
        }

        return _parsed[key.Policy] = PolicyDocument.Parse(key.Policy);
    }
}
