using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// A grant on one key in this Region: <see cref="GranteePrincipal"/> may do <see cref="Operations"/>, within the
/// encryption-context constraints. Grants are never replicated to related multi-Region keys.
/// </summary>
public sealed record Grant(
    string GrantId,
    string KeyId,
    string Name,
    string GranteePrincipal,
    string? RetiringPrincipal,
    string IssuingAccount,
    IReadOnlyList<GrantOperation> Operations,
    IReadOnlyDictionary<string, string>? EncryptionContextSubset,
    IReadOnlyDictionary<string, string>? EncryptionContextEquals,
    DateTimeOffset CreationDate)
{
    /// <summary>The unique ID of the grantee when it was created (null for an account's root).</summary>
    public string? GranteeId { get; init; }

    /// <summary>The unique ID of the retiring principal when it was created (null for none, or an account's root).</summary>
    public string? RetiringId { get; init; }

    /// <summary>True when the caller is the grantee: the principal that held the grantee's name when the grant was made.</summary>
    public bool IsGrantee(string principalArn, string? principalId) => Is(GranteePrincipal, GranteeId, principalArn, principalId);

    /// <summary>True when the caller is the retiring principal the grant was made with.</summary>
    public bool IsRetiring(string principalArn, string? principalId) =>
        RetiringPrincipal is not null && Is(RetiringPrincipal, RetiringId, principalArn, principalId);

    /// <summary>
    /// True when the grant's constraints admit a request with <paramref name="context"/>. As AWS documents, a constraint's
    /// keys are compared without regard to case and its values exactly.
    /// </summary>
    public bool Admits(IReadOnlyDictionary<string, string> context)
    {
        if (EncryptionContextEquals is { } equals
            && (equals.Count != context.Count || equals.Any(p => !Holds(context, p.Key, p.Value))))
        {
            return false;
        }

        return EncryptionContextSubset is not { } subset || subset.All(p => Holds(context, p.Key, p.Value));
    }

    /// <summary>
    /// Whether a grant's constraints apply to <paramref name="operation"/> on <paramref name="key"/>: only to operations
    /// that take an encryption context, which are the cryptographic operations of symmetric encryption keys (AWS applies
    /// them to nothing else, such as DescribeKey or RetireGrant).
    /// </summary>
    public static bool TakesEncryptionContext(KmsKey key, GrantOperation operation) =>
        key.KeySpec == KeySpec.SYMMETRIC_DEFAULT && operation is GrantOperation.Encrypt or GrantOperation.Decrypt or GrantOperation.ReEncryptFrom
            or GrantOperation.ReEncryptTo or GrantOperation.GenerateDataKey or GrantOperation.GenerateDataKeyWithoutPlaintext
            or GrantOperation.GenerateDataKeyPair or GrantOperation.GenerateDataKeyPairWithoutPlaintext;

    /// <summary>Whether the grant has an encryption context constraint at all.</summary>
    public bool IsConstrained => EncryptionContextEquals is { Count: > 0 } || EncryptionContextSubset is { Count: > 0 };

    /// <summary>A user or role matches by the ID it had; a name never bound to an ID (an account's root) by its ARN.</summary>
    private static bool Is(string arn, string? boundId, string principalArn, string? principalId) =>
        arn == principalArn && (boundId is null ? !Principal.IsNamedArn(arn) : boundId == principalId);

    private static bool Holds(IReadOnlyDictionary<string, string> context, string key, string value) =>
        context.Any(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase) && p.Value == value);

    /// <summary>
    /// Whether this grant, holding CreateGrant, lets its grantee create a grant of <paramref name="operations"/> with these
    /// constraints (AWS's rule for grants made through grants): only operations this grant allows, and constraints at
    /// least as strict as its own. Under an EncryptionContextEquals the new grant must require exactly the same context;
    /// under an EncryptionContextSubset it must require every one of its pairs, as a subset or as an exact context.
    /// </summary>
    public bool Covers(IReadOnlyCollection<GrantOperation> operations, IReadOnlyDictionary<string, string>? subset,
        IReadOnlyDictionary<string, string>? equals)
    {
        if (!Operations.Contains(GrantOperation.CreateGrant) || operations.Any(o => !Operations.Contains(o)))
        {
            return false;
        }

        if (EncryptionContextEquals is { Count: > 0 } ownEquals)
        {
            return equals is not null && equals.Count == ownEquals.Count && ownEquals.All(p => Holds(equals, p.Key, p.Value));
        }

        if (EncryptionContextSubset is { Count: > 0 } ownSubset)
        {
            var required = equals is { Count: > 0 } ? equals : subset;
            return required is not null && ownSubset.All(p => Holds(required, p.Key, p.Value));
        }

        return true;
    }

    /// <summary>Same grant for CreateGrant's idempotency by name: same key, grantee, retiring principal, operations and constraints.</summary>
    public bool SameAs(Grant other) =>
        KeyId == other.KeyId && Name == other.Name && GranteePrincipal == other.GranteePrincipal && RetiringPrincipal == other.RetiringPrincipal
        && GranteeId == other.GranteeId && RetiringId == other.RetiringId
        && Operations.Order().SequenceEqual(other.Operations.Order()) && SameMap(EncryptionContextSubset, other.EncryptionContextSubset)
        && SameMap(EncryptionContextEquals, other.EncryptionContextEquals);

    private static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        (a is null || a.Count == 0) ? (b is null || b.Count == 0)
        : b is not null && a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
