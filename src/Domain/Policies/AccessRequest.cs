namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>
/// What a policy is asked about: who (<see cref="PrincipalArn"/>), what (<see cref="Action"/>, such as
/// "kms:Encrypt"), on which key (<see cref="ResourceArn"/>), and the request's condition keys (names compared
/// without regard to case, as IAM does; a key may carry several values, such as kms:EncryptionContextKeys).
/// A request made for one policy keeps only the condition keys that policy asks about (<paramref name="asked"/>):
/// the others could never change its decision.
/// </summary>
public sealed class AccessRequest(string principalArn, string action, string resourceArn, string? principalId = null,
    IReadOnlySet<string>? asked = null)
{
    public string PrincipalArn { get; } = principalArn;

    /// <summary>The caller's unique ID; a policy's named principal matches only the ID it was bound to.</summary>
    public string? PrincipalId { get; } = principalId;

    public string Action { get; } = action;

    public string ResourceArn { get; } = resourceArn;

    /// <summary>The account of <see cref="PrincipalArn"/> (arn:partition:iam::account:...).</summary>
    public string PrincipalAccount => PrincipalArn.Split(':') is { Length: >= 6 } parts ? parts[4] : string.Empty;

    public Dictionary<string, List<string>> Context { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The request's encryption context as sent (grant constraints compare it exactly).</summary>
    public IReadOnlyDictionary<string, string> EncryptionContext { get; set; } = new Dictionary<string, string>();

    /// <summary>Whether a value for <paramref name="key"/> would be kept: lets a caller skip computing one that would not.</summary>
    public bool Asks(string key) => asked is null || asked.Contains(key);

    /// <summary>True when no condition key at all would be kept.</summary>
    public bool AsksNothing => asked is { Count: 0 };

    public AccessRequest With(string key, params string[] values)
    {
        if (values.Length == 0 || !Asks(key))
        {
            return this;
        }

        if (!Context.TryGetValue(key, out var list))
        {
            Context[key] = list = [];
        }

        list.AddRange(values);
        return this;
    }

    public IReadOnlyList<string>? Values(string key) => Context.TryGetValue(key, out var values) ? values : null;
}

/// <summary>The outcome of evaluating policies: an explicit Deny wins over any Allow; nothing matching is a deny too.</summary>
public enum PolicyDecision
{
    ImplicitDeny,
    Allow,
    ExplicitDeny,
}
