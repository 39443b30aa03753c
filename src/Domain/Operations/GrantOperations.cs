using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Paging;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>What CreateGrant asks for.</summary>
public sealed record CreateGrantCommand(
    string KeyId,
    string GranteePrincipal,
    string RetiringPrincipal,
    IReadOnlyList<GrantOperation> Operations,
    IReadOnlyDictionary<string, string> EncryptionContextSubset,
    IReadOnlyDictionary<string, string> EncryptionContextEquals,
    IReadOnlyCollection<string> GrantTokens,
    string Name,
    bool DryRun);

/// <summary>
/// Grants: per key, per Region, consistent the moment CreateGrant returns (so a grant token is only the grant's name
/// in token form: it confers nothing by itself). Who may create, list, retire and revoke follows AWS.
/// </summary>
public sealed class GrantOperations(IGrantStore store, KeyResolver resolver, AccessControl accessControl, PolicyPrincipals principals,
    RegionIdentity region, TimeProvider time, ResourceQuotas quotas)
{
    private static readonly GrantOperation[] Symmetric =
    [
        GrantOperation.Decrypt, GrantOperation.Encrypt, GrantOperation.GenerateDataKey, GrantOperation.GenerateDataKeyWithoutPlaintext,
        GrantOperation.ReEncryptFrom, GrantOperation.ReEncryptTo, GrantOperation.GenerateDataKeyPair,
        GrantOperation.GenerateDataKeyPairWithoutPlaintext,
    ];

    private static readonly GrantOperation[] Always = [GrantOperation.CreateGrant, GrantOperation.RetireGrant, GrantOperation.DescribeKey];

    public async Task<(string GrantToken, string GrantId)> CreateGrantAsync(Caller caller, CreateGrantCommand command, CancellationToken cancellationToken)
    {
        ParameterChecks.GrantTokens(command.GrantTokens);
        RequirePrincipal(command.GranteePrincipal, "granteePrincipal");
        if (!string.IsNullOrEmpty(command.RetiringPrincipal))
        {
            RequirePrincipal(command.RetiringPrincipal, "retiringPrincipal");
        }

        if (command.Operations.Count == 0)
        {
            throw KmsErrors.Constraint("operations", "Member must not be empty");
        }

        if (command.EncryptionContextSubset.Count > 0 && command.EncryptionContextEquals.Count > 0)
        {
            throw KmsErrors.Validation("Give one of EncryptionContextSubset and EncryptionContextEquals, not both.");
        }

        EncryptionContextRules.Validate(command.EncryptionContextSubset, "constraints.encryptionContextSubset");
        EncryptionContextRules.Validate(command.EncryptionContextEquals, "constraints.encryptionContextEquals");
        ParameterChecks.Length(command.Name, "name", 0, 256);
        var operations = command.Operations.Distinct().ToList();
        var (keyId, alias) = await resolver.ResolveReferenceAsync(command.KeyId, cancellationToken).ConfigureAwait(false);
        var key = await resolver.ResolveAsync(keyId, null, cancellationToken).ConfigureAwait(false);
        await AuthorizeCreateGrantAsync(caller, key, alias, command, operations, cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.CreateGrant);
        foreach (var operation in operations.Where(o => !Allowed(key).Contains(o)))
        {
            throw KmsErrors.Validation($"Grant operation {operation} is not valid for {key.Arn} (key spec {key.KeySpec}, usage {key.KeyUsage}).");
        }

        // Operations of asymmetric and HMAC keys take no encryption context: a constraint could never be met there.
        var unconstrainable = operations.Where(o => o is not (GrantOperation.DescribeKey or GrantOperation.RetireGrant or GrantOperation.CreateGrant)
                                                    && !Grant.TakesEncryptionContext(key, o)).ToList();
        if (command.EncryptionContextSubset.Count + command.EncryptionContextEquals.Count > 0 && unconstrainable.Count > 0)
        {
            throw KmsErrors.Validation($"Grant constraints apply only to operations that take an encryption context; {unconstrainable[0]} on {key.Arn} "
                                       + $"(key spec {key.KeySpec}) does not.");
        }

        var grant = new Grant(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), key.KeyId, command.Name, command.GranteePrincipal,
            string.IsNullOrEmpty(command.RetiringPrincipal) ? null : command.RetiringPrincipal, region.AccountId, operations,
            Copy(command.EncryptionContextSubset), Copy(command.EncryptionContextEquals), time.GetUtcNow())
        {
            GranteeId = await principals.RequireIdAsync(command.GranteePrincipal, cancellationToken).ConfigureAwait(false),
            RetiringId = string.IsNullOrEmpty(command.RetiringPrincipal)
                ? null
                : await principals.RequireIdAsync(command.RetiringPrincipal, cancellationToken).ConfigureAwait(false),
        };
        if (!string.IsNullOrEmpty(command.Name))
        {
            var existing = await store.ListGrantsAsync(key.KeyId, command.GranteePrincipal, null, 1000, cancellationToken).ConfigureAwait(false);
            if (existing.FirstOrDefault(g => g.SameAs(grant)) is { } same)
            {
                return command.DryRun ? throw KmsErrors.DryRun() : (GrantToken.Of(same.GrantId), same.GrantId);
            }
        }

        var (onKey, forGrantee) = await store.CountGrantsAsync(grant.KeyId, grant.GranteePrincipal, cancellationToken).ConfigureAwait(false);
        if (onKey >= quotas.GrantsPerKey)
        {
            throw KmsErrors.LimitExceeded($"The KMS key {key.Arn} already has {quotas.GrantsPerKey} grants, its quota of grants per KMS key.");
        }

        if (forGrantee >= quotas.GrantsPerPrincipalPerKey)
        {
            throw KmsErrors.LimitExceeded(
                $"The KMS key {key.Arn} already has {quotas.GrantsPerPrincipalPerKey} grants for {grant.GranteePrincipal}, its quota of grants for a principal per KMS key.");
        }

        if (command.DryRun)
        {
            throw KmsErrors.DryRun();
        }

        await store.InsertGrantAsync(grant, caller.Record, cancellationToken).ConfigureAwait(false);
        return (GrantToken.Of(grant.GrantId), grant.GrantId);
    }

    /// <summary>
    /// CreateGrant is allowed by the key's policy (with the grant's own condition keys), or by a grant to the caller that
    /// holds CreateGrant and covers the new grant (<see cref="Grant.Covers"/>): a grantee can pass on only what it holds,
    /// never widen it. An explicit Deny in the policy wins over any grant.
    /// </summary>
    private async Task AuthorizeCreateGrantAsync(Caller caller, KmsKey key, string? alias, CreateGrantCommand command,
        IReadOnlyList<GrantOperation> operations, CancellationToken cancellationToken)
    {
        var access = Access.For(caller, "CreateGrant", request =>
        {
            request.With("kms:GrantOperations", operations.Select(o => o.ToString()).ToArray());
            request.With("kms:GranteePrincipal", command.GranteePrincipal);
            if (!string.IsNullOrEmpty(command.RetiringPrincipal))
            {
                request.With("kms:RetiringPrincipal", command.RetiringPrincipal);
            }

            // For CreateGrant, AWS evaluates the encryption context keys against the grant's constraint.
            var (constraint, pairs) = command.EncryptionContextEquals.Count > 0
                ? ("EncryptionContextEquals", command.EncryptionContextEquals)
                : ("EncryptionContextSubset", command.EncryptionContextSubset);
            if (pairs.Count > 0)
            {
                request.With("kms:GrantConstraintType", constraint);
                ConditionKeys.Encryption(pairs)(request);
            }
        });
        var (decision, _) = await accessControl.DecideAsync(key, access, alias, cancellationToken).ConfigureAwait(false);
        if (decision == PolicyDecision.Allow)
        {
            return;
        }

        if (decision == PolicyDecision.ImplicitDeny && caller.Type == CallerType.Principal)
        {
            var held = await store.ListGrantsAsync(key.KeyId, caller.PrincipalArn, null, 1000, cancellationToken).ConfigureAwait(false);
            if (held.Any(g => g.IsGrantee(caller.PrincipalArn, caller.PrincipalId)
                              && g.Covers(operations, command.EncryptionContextSubset, command.EncryptionContextEquals)))
            {
                return;
            }
        }

        throw KmsErrors.AccessDenied(caller.PrincipalArn, access.Action, key.Arn, decision == PolicyDecision.ExplicitDeny);
    }

    public async Task<(KmsKey Key, Page<Grant> Page)> ListGrantsAsync(Caller caller, string keyId, string grantId, string granteePrincipal, int? limit, string marker,
        CancellationToken cancellationToken)
    {
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "ListGrants"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.ListGrants);
        var take = PageMarkers.Limit(limit, 50);
        if (!string.IsNullOrEmpty(grantId))
        {
            var one = await store.FindGrantAsync(grantId, cancellationToken).ConfigureAwait(false);
            return (key, new Page<Grant>(one is not null && one.KeyId == key.KeyId ? [one] : [], null));
        }

        var grants = await store.ListGrantsAsync(key.KeyId, string.IsNullOrEmpty(granteePrincipal) ? null : granteePrincipal,
            PageMarkers.Decode(marker), take + 1, cancellationToken).ConfigureAwait(false);
        return (key, PageOf(grants, take));
    }

    public async Task<Page<Grant>> ListRetirableGrantsAsync(Caller caller, string retiringPrincipal, int? limit, string marker, CancellationToken cancellationToken)
    {
        accessControl.AuthorizeAccountAction(caller, "kms:ListRetirableGrants");
        RequirePrincipal(retiringPrincipal, "retiringPrincipal");
        var take = PageMarkers.Limit(limit, 50);
        var grants = await store.ListRetirableGrantsAsync(retiringPrincipal, PageMarkers.Decode(marker), take + 1, cancellationToken).ConfigureAwait(false);
        return PageOf(grants, take);
    }

    /// <summary>
    /// Retires a grant named by its token, or by key and grant ID: allowed to its retiring principal, to its grantee when
    /// the grant includes RetireGrant, and to the account that issued it (its root). kms:RetireGrant in a key policy is
    /// not effective, as AWS documents: who may retire is a property of the grant.
    /// </summary>
    public async Task RetireGrantAsync(Caller caller, string grantToken, string keyId, string grantId, bool dryRun, CancellationToken cancellationToken)
    {
        string id;
        if (!string.IsNullOrEmpty(grantToken))
        {
            id = GrantToken.IdOf(grantToken) ?? throw KmsErrors.InvalidGrantToken();
        }
        else if (!string.IsNullOrEmpty(keyId) && !string.IsNullOrEmpty(grantId))
        {
            id = grantId;
        }
        else
        {
            throw KmsErrors.Validation("Give the grant token, or the key ID and the grant ID.");
        }

        var grant = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.NotFound($"Grant ID {KmsErrors.Printable(id)} not found");
        var key = await resolver.ResolveAsync(string.IsNullOrEmpty(keyId) ? grant.KeyId : keyId, null, cancellationToken).ConfigureAwait(false);
        if (key.KeyId != grant.KeyId)
        {
            throw KmsErrors.InvalidGrantId($"Grant ID {grant.GrantId} is not a grant of {key.Arn}.");
        }

        var mayRetire = caller.Type == CallerType.System || (caller.Type == CallerType.Principal
                        && (grant.IsRetiring(caller.PrincipalArn, caller.PrincipalId)
                            || (grant.IsGrantee(caller.PrincipalArn, caller.PrincipalId) && grant.Operations.Contains(GrantOperation.RetireGrant))
                            || caller.PrincipalArn == $"arn:{region.Partition}:iam::{grant.IssuingAccount}:root"));
        if (!mayRetire)
        {
            throw KmsErrors.AccessDenied(caller.PrincipalArn, "kms:RetireGrant", key.Arn, explicitDeny: false);
        }

        key.Require(KeyOperation.RetireGrant);
        if (dryRun)
        {
            throw KmsErrors.DryRun();
        }

        await store.DeleteGrantAsync(grant.GrantId, caller.Record, cancellationToken).ConfigureAwait(false);
    }

    public async Task RevokeGrantAsync(Caller caller, string keyId, string grantId, bool dryRun, CancellationToken cancellationToken)
    {
        ParameterChecks.Present(grantId, "grantId");
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "RevokeGrant"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.RevokeGrant);
        var grant = await store.FindGrantAsync(grantId, cancellationToken).ConfigureAwait(false);
        if (grant is null || grant.KeyId != key.KeyId)
        {
            throw KmsErrors.InvalidGrantId($"Grant ID {KmsErrors.Printable(grantId)} is not a grant of {key.Arn}.");
        }

        if (dryRun)
        {
            throw KmsErrors.DryRun();
        }

        await store.DeleteGrantAsync(grant.GrantId, caller.Record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The operations a grant on <paramref name="key"/> may include, by its usage.</summary>
    private static IReadOnlyList<GrantOperation> Allowed(KmsKey key) => key.KeyUsage switch
    {
        KeyUsage.ENCRYPT_DECRYPT when key.KeySpec == KeySpec.SYMMETRIC_DEFAULT => [.. Symmetric, .. Always],
        KeyUsage.ENCRYPT_DECRYPT => [GrantOperation.Encrypt, GrantOperation.Decrypt, GrantOperation.ReEncryptFrom, GrantOperation.ReEncryptTo,
            GrantOperation.GetPublicKey, .. Always],
        KeyUsage.SIGN_VERIFY => [GrantOperation.Sign, GrantOperation.Verify, GrantOperation.GetPublicKey, .. Always],
        KeyUsage.GENERATE_VERIFY_MAC => [GrantOperation.GenerateMac, GrantOperation.VerifyMac, .. Always],
        _ => [GrantOperation.DeriveSharedSecret, GrantOperation.GetPublicKey, .. Always],
    };

    private static Page<Grant> PageOf(IReadOnlyList<Grant> grants, int take) =>
        grants.Count > take ? new Page<Grant>(grants.Take(take).ToList(), PageMarkers.Encode(grants[take - 1].GrantId)) : new Page<Grant>(grants, null);

    private static void RequirePrincipal(string principal, string field)
    {
        ParameterChecks.Present(principal, field);
        ParameterChecks.Length(principal, field, 1, 256);
        if (!principal.StartsWith("arn:", StringComparison.Ordinal) || !PolicyStatement.IsValidPrincipal(principal))
        {
            throw KmsErrors.Validation($"{field} must be the ARN of a user, a role or an account root, without wildcards, "
                                       + "such as arn:aws:iam::111122223333:user/alice.");
        }
    }

    private static Dictionary<string, string>? Copy(IReadOnlyDictionary<string, string> map) => map.Count == 0 ? null : map.ToDictionary();
}
