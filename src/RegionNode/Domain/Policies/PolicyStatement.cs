namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>One statement of a key policy. "Not" lists match everything except what they name.</summary>
public sealed record PolicyStatement(
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
    /// <summary>True when this statement speaks to <paramref name="request"/> (its effect then applies).</summary>
    public bool Applies(AccessRequest request) =>
        PrincipalMatches(request) != NotPrincipal
        && Actions.Any(a => Wildcard.Matches(a, request.Action, ignoreCase: true)) != NotAction
        && Resources.Any(r => Wildcard.Matches(r, request.ResourceArn, ignoreCase: false)) != NotResource
        && Conditions.All(c => c.IsSatisfied(request));

    /// <summary>
    /// "*" is anyone. An account (its ID or arn:...:iam::ID:root) is every principal of that account: with no separate
    /// IAM layer here, the account root in a key policy stands for the account's principals, as AWS's default key policy
    /// intends. Anything else names one principal exactly.
    /// </summary>
    private bool PrincipalMatches(AccessRequest request) => Principals.Any(p =>
        p == "*"
        || p == request.PrincipalArn
        || (request.PrincipalAccount.Length > 0 && (p == request.PrincipalAccount || IsRootOf(p, request.PrincipalAccount))));

    private static bool IsRootOf(string principal, string account) =>
        principal.StartsWith("arn:", StringComparison.Ordinal) && principal.EndsWith($":iam::{account}:root", StringComparison.Ordinal);
}
