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
    /// <summary>True when the grant's constraints admit a request with <paramref name="context"/>.</summary>
    public bool Admits(IReadOnlyDictionary<string, string> context)
    {
        if (EncryptionContextEquals is { } equals
            && (equals.Count != context.Count || equals.Any(p => !context.TryGetValue(p.Key, out var v) || v != p.Value)))
        {
            return false;
        }

        return EncryptionContextSubset is not { } subset || subset.All(p => context.TryGetValue(p.Key, out var v) && v == p.Value);
    }

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
            return SameMap(ownEquals, equals);
        }

        if (EncryptionContextSubset is { Count: > 0 } ownSubset)
        {
            var required = equals is { Count: > 0 } ? equals : subset;
            return required is not null && ownSubset.All(p => required.TryGetValue(p.Key, out var v) && v == p.Value);
        }

        return true;
    }

    /// <summary>Same grant for CreateGrant's idempotency by name: same key, grantee, retiring principal, operations and constraints.</summary>
    public bool SameAs(Grant other) =>
        KeyId == other.KeyId && Name == other.Name && GranteePrincipal == other.GranteePrincipal && RetiringPrincipal == other.RetiringPrincipal
        && Operations.Order().SequenceEqual(other.Operations.Order()) && SameMap(EncryptionContextSubset, other.EncryptionContextSubset)
        && SameMap(EncryptionContextEquals, other.EncryptionContextEquals);

    private static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        (a is null || a.Count == 0) ? (b is null || b.Count == 0)
        : b is not null && a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
