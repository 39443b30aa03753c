using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>
/// Binds the users and roles a key policy names to the principals of this Region that hold those names now, by unique
/// ID, as AWS binds a stored policy: a principal deleted and created again under the same name is not the one the
/// policy meant.
/// </summary>
public sealed class PolicyPrincipals(IPrincipalStore principals)
{
    /// <summary>
    /// The unique ID of each named principal. A policy set by a caller must name only principals that exist
    /// (MalformedPolicyDocumentException otherwise, as AWS refuses them); a replica's policy, set in the primary Region,
    /// binds what this Region holds, and a name it does not hold matches nobody here.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> BindAsync(PolicyDocument document, bool refuseUnknown, CancellationToken cancellationToken)
    {
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arn in document.NamedPrincipals)
        {
            if (await principals.FindPrincipalAsync(arn, cancellationToken).ConfigureAwait(false) is { } principal)
            {
                bound[arn] = principal.PrincipalId;
            }
            else if (refuseUnknown)
            {
                throw KmsErrors.MalformedPolicy($"Policy contains a statement with one or more invalid principals: {KmsErrors.Printable(arn)} does not exist.");
            }
        }

        return bound;
    }

    /// <summary>
    /// The unique ID of the user or role <paramref name="arn"/> names, which must exist (InvalidArnException, as AWS
    /// answers a grant to a principal it does not know); null for an account's root, which has none.
    /// </summary>
    public async Task<string?> RequireIdAsync(string arn, CancellationToken cancellationToken)
    {
        if (!Principal.IsNamedArn(arn))
        {
            return null;
        }

        return (await principals.FindPrincipalAsync(arn, cancellationToken).ConfigureAwait(false))?.PrincipalId ?? throw KmsErrors.InvalidArn(arn);
    }

    /// <summary>The principal of this Region that holds <paramref name="arn"/> now, as a caller (without an ID when there is none).</summary>
    public async Task<Caller> CallerNamedAsync(string arn, CancellationToken cancellationToken) =>
        Caller.Principal(arn, (await principals.FindPrincipalAsync(arn, cancellationToken).ConfigureAwait(false))?.PrincipalId);
}
