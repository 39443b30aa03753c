using System.Text.RegularExpressions;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>One statement of a key policy. "Not" lists match everything except what they name.</summary>
public sealed partial record PolicyStatement(
    string? Sid,
    bool IsAllow,
    IReadOnlyList<string> Principals,
    bool NotPrincipal,
    IReadOnlyList<string> Actions,
    bool NotAction,
    IReadOnlyList<string> Resources,
    bool NotResource,
    IReadOnlyList<ConditionClause> Conditions)
{
    /// <summary>A statement without an Action or a Resource: valid, and it speaks to no request (as in AWS).</summary>
    public bool Inert { get; init; }

    /// <summary>True when this statement speaks to <paramref name="request"/> (its effect then applies).</summary>
    public bool Applies(AccessRequest request, IReadOnlyDictionary<string, string> bindings) =>
        !Inert
        && PrincipalMatches(request, bindings) != NotPrincipal
        && Actions.Any(a => Wildcard.Matches(a, request.Action, ignoreCase: true)) != NotAction
        && Resources.Any(r => Wildcard.Matches(r, request.ResourceArn, ignoreCase: false)) != NotResource
        && Conditions.All(c => c.IsSatisfied(request));

    /// <summary>
    /// A principal a key policy may name: "*" (anyone), an account (its ID, or arn:partition:iam::ID:root), or one user or
    /// role by ARN. Wildcards are refused anywhere but the lone "*", as AWS refuses them.
    /// </summary>
    public static bool IsValidPrincipal(string principal) =>
        principal == "*" || AccountId().IsMatch(principal) || RootArn().IsMatch(principal) || Principal.IsNamedArn(principal);

    /// <summary>
    /// "*" is anyone. An account (its ID or arn:...:iam::ID:root) is every principal of that account: with no separate
    /// IAM layer here, the account root in a key policy stands for the account's principals, as AWS's default key policy
    /// intends. A user or role ARN matches only the principal it was bound to when the policy was set: one created later
    /// under the same name is another principal.
    /// </summary>
    private bool PrincipalMatches(AccessRequest request, IReadOnlyDictionary<string, string> bindings) => Principals.Any(p =>
        p == "*"
        || (p == request.PrincipalArn && request.PrincipalId is { } id && bindings.TryGetValue(p, out var bound) && bound == id)
        || (request.PrincipalAccount.Length > 0 && (p == request.PrincipalAccount || IsRootOf(p, request.PrincipalAccount))));

    private static bool IsRootOf(string principal, string account) =>
        principal.StartsWith("arn:", StringComparison.Ordinal) && principal.EndsWith($":iam::{account}:root", StringComparison.Ordinal);

    [GeneratedRegex(@"^[0-9]{12}$")]
    private static partial Regex AccountId();

    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::[0-9]{12}:root$")]
    private static partial Regex RootArn();
}
