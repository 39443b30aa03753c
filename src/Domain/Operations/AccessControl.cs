using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// Decides whether a caller may do an action on a key: the key's policy, evaluated with the condition keys every
/// request carries (caller, time, transport, key properties, tags, multi-Region type, aliases) plus the operation's own.
/// Parsed policies are cached by their text. Only the node's own work passes without a decision; an operator is no
/// principal of any key. A cryptographic use is charged to the request quota of the key's type here, where every
/// decision about a key passes with the key in hand, and before the decision: AWS counts a refused request too.
/// </summary>
public sealed class AccessControl(IKeyStore store, IGrantStore grants, RegionIdentity region, TimeProvider time, RequestThrottle throttle)
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

        throttle.ChargeKeyUse(caller, access.Action, key.KeySpec);
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

        KeysUsed.Note(key.Arn);
        if (caller.Type != CallerType.Principal)
        {
            return (PolicyDecision.ImplicitDeny, null);
        }

        var policy = Policy(key.Policy);
        var request = await RequestAsync(key, access, requestAlias, policy, cancellationToken).ConfigureAwait(false);
        return (policy.Evaluate(request, key.PolicyPrincipals), request);
    }

    /// <summary>
    /// The lockout safety check of CreateKey, PutKeyPolicy and ReplicateKey: the new policy, on the key as it will be
    /// (its spec, usage, origin, Region, tags and aliases), must let the caller change the policy again, unless the caller
    /// explicitly bypasses the check. The PutKeyPolicy it imagines does not bypass the check itself.
    /// </summary>
    public async Task RequireNoLockoutAsync(Caller caller, KmsKey keyAsItWillBe, PolicyDocument policy,
        IReadOnlyDictionary<string, string> principals, bool bypass, CancellationToken cancellationToken)
    {
        if (bypass || caller.Type == CallerType.System)
        {
            return;
        }

        var request = await RequestAsync(keyAsItWillBe, Access.For(caller, "PutKeyPolicy"), null, policy, cancellationToken).ConfigureAwait(false);
        if (policy.Evaluate(request, principals) != PolicyDecision.Allow)
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

    /// <summary>
    /// The request <paramref name="policy"/> is asked about: the global keys of the caller and the call, the key's own
    /// properties, tags and aliases, then the operation's keys, each only if the policy asks about it (most policies ask
    /// about none, and this runs on every call).
    /// </summary>
    private async Task<AccessRequest> RequestAsync(KmsKey key, Access access, string? requestAlias, PolicyDocument policy, CancellationToken cancellationToken)
    {
        var caller = access.Caller;
        var request = new AccessRequest(caller.PrincipalArn, access.Action, key.Arn, caller.PrincipalId, policy.ConditionKeys);
        if (!request.AsksNothing)
        {
            await AddGlobalKeysAsync(request, key, caller, requestAlias, cancellationToken).ConfigureAwait(false);
        }

        access.Context?.Invoke(request);
        return request;
    }

    private async Task AddGlobalKeysAsync(AccessRequest request, KmsKey key, Caller caller, string? requestAlias, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        request.With("aws:PrincipalArn", caller.PrincipalArn)
            .With("aws:PrincipalAccount", request.PrincipalAccount)
            .With("kms:CallerAccount", request.PrincipalAccount)
            .With("aws:CurrentTime", now.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))
            .With("aws:EpochTime", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))
            .With("aws:RequestedRegion", region.Region)
            .With("aws:SecureTransport", caller.SecureTransport ? "true" : "false")
            .With("kms:KeySpec", key.KeySpec.ToString())
            .With("kms:CustomerMasterKeySpec", key.KeySpec.ToString())
            .With("kms:KeyUsage", key.KeyUsage.ToString())
            .With("kms:CustomerMasterKeyUsage", key.KeyUsage.ToString())
            .With("kms:KeyOrigin", key.Origin.ToString())
            .With("kms:MultiRegion", key.IsMultiRegion ? "true" : "false");
        if (caller.PrincipalId is { } id)
        {
            request.With("aws:userid", id);
        }

        var resource = caller.PrincipalArn.Split(':') is { Length: 6 } parts ? parts[5] : string.Empty;
        if (resource.StartsWith("user/", StringComparison.Ordinal))
        {
            request.With("aws:PrincipalType", "User").With("aws:username", resource[(resource.LastIndexOf('/') + 1)..]);
        }
        else if (resource.StartsWith("role/", StringComparison.Ordinal))
        {
            request.With("aws:PrincipalType", "AssumedRole");
        }
        else if (resource == "root")
        {
            request.With("aws:PrincipalType", "Account");
        }

        if (caller.SourceIp is { } sourceIp)
        {
            request.With("aws:SourceIp", sourceIp);
        }

        foreach (var tag in key.Tags)
        {
            request.With($"aws:ResourceTag/{tag.TagKey}", tag.TagValue);
        }

        if (key.MultiRegion is not null)
        {
            request.With("kms:MultiRegionKeyType", key.IsPrimary ? "PRIMARY" : "REPLICA");
        }

        if (requestAlias is not null)
        {
            request.With("kms:RequestAlias", requestAlias);
        }

        // Listing the key's aliases costs a query; only policies that ask about them pay for it.
        if (request.Asks("kms:ResourceAliases"))
        {
            var aliases = await store.ListAliasesAsync(key.KeyId, null, 1000, cancellationToken).ConfigureAwait(false);
            request.With("kms:ResourceAliases", aliases.Select(a => a.AliasName).ToArray());
        }
    }

    /// <summary>
    /// A grant to the caller that includes the operation and whose constraints admit the request's encryption context.
    /// Grants extend what the policy allows; an explicit Deny in the policy is never overridden.
    /// </summary>
    private async Task<bool> GrantAllowsAsync(KmsKey key, AccessRequest request, CancellationToken cancellationToken)
    {
        var operationName = request.Action.StartsWith("kms:", StringComparison.Ordinal) ? request.Action[4..] : request.Action;
        // CreateGrant through a grant is narrower than the grant itself: GrantOperations decides it (the subset rule).
        if (!Enum.TryParse<GrantOperation>(operationName, out var operation) || !Enum.IsDefined(operation) || operation == GrantOperation.CreateGrant)
        {
            return false;
        }

        var held = await grants.ListGrantsAsync(key.KeyId, request.PrincipalArn, null, 1000, cancellationToken).ConfigureAwait(false);
        return held.Any(g => g.IsGrantee(request.PrincipalArn, request.PrincipalId) && g.Operations.Contains(operation)
                             && (!Grant.TakesEncryptionContext(key, operation) || g.Admits(request.EncryptionContext)));
    }

    private PolicyDocument Policy(string text)
    {
        if (_parsed.TryGetValue(text, out var cached))
        {
            return cached;
        }

        if (_parsed.Count >= MaxCachedPolicies)
        {
            _parsed.Clear();
        }

        return _parsed[text] = PolicyDocument.Parse(text);
    }
}
