using System.Text.Json;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>
/// A parsed key policy (IAM JSON policy grammar) and its evaluation: an explicit Deny in any applicable statement wins,
/// otherwise an applicable Allow allows, otherwise the request is denied. Parsing refuses what IAM would refuse with
/// MalformedPolicyDocumentException.
/// </summary>
public sealed class PolicyDocument
{
    private static readonly HashSet<string> StatementFields = new(StringComparer.Ordinal)
    {
        "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition",
    };

    private PolicyDocument(IReadOnlyList<PolicyStatement> statements)
    {
        Statements = statements;
        ConditionKeys = statements.SelectMany(s => s.Conditions).Select(c => c.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<PolicyStatement> Statements { get; }

    /// <summary>
    /// Every condition key the policy asks about (names without regard to case, as IAM compares them): a request made
    /// for this policy needs only these, so one it never asks about is never computed.
    /// </summary>
    public IReadOnlySet<string> ConditionKeys { get; }

    /// <summary>
    /// The user and role ARNs the policy names as principals: each must name a principal that exists when the policy is
    /// set, and matches only that principal (by the unique ID it is bound to) from then on.
    /// </summary>
    public IReadOnlyCollection<string> NamedPrincipals =>
        Statements.SelectMany(s => s.Principals).Where(Principal.IsNamedArn).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The decision for <paramref name="request"/>; <paramref name="bindings"/> maps each named principal's ARN to the
    /// unique ID it meant when the policy was set.
    /// </summary>
    public PolicyDecision Evaluate(AccessRequest request, IReadOnlyDictionary<string, string> bindings)
    {
        var decision = PolicyDecision.ImplicitDeny;
        foreach (var statement in Statements.Where(s => s.Applies(request, bindings)))
        {
            if (!statement.IsAllow)
            {
                return PolicyDecision.ExplicitDeny;
            }

            decision = PolicyDecision.Allow;
        }

        return decision;
    }

    public static PolicyDocument Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("The key policy must be a JSON object.");
            }

            if (root.TryGetProperty("Version", out var version) && version.GetString() is not ("2012-10-17" or "2008-10-17"))
            {
                throw Malformed("The policy Version must be \"2012-10-17\" or \"2008-10-17\".");
            }

            if (!root.TryGetProperty("Statement", out var statements) || statements.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
            {
                throw Malformed("The key policy must contain a Statement.");
            }

            var list = statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements];
            if (list.Count == 0)
            {
                throw Malformed("The key policy must contain at least one statement.");
            }

            return new PolicyDocument(list.Select(ParseStatement).ToList());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Malformed("The key policy is not valid JSON of the policy grammar.");
        }
    }

    private static PolicyStatement ParseStatement(JsonElement statement)
    {
        if (statement.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("Each policy statement must be a JSON object.");
        }

        foreach (var property in statement.EnumerateObject().Where(p => !StatementFields.Contains(p.Name)))
        {
            throw Malformed($"Unknown field {property.Name} in a policy statement.");
        }

        var effect = statement.TryGetProperty("Effect", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (effect is not ("Allow" or "Deny"))
        {
            throw Malformed("Each policy statement needs an Effect of Allow or Deny.");
        }

        var (principals, notPrincipal) = Either(statement, "Principal", "NotPrincipal", ParsePrincipal, "a Principal");

        // A statement without an action or without a resource is accepted, as AWS accepts it, and speaks to no request.
        IReadOnlyList<string> actions = [];
        var notAction = false;
        if (statement.TryGetProperty("Action", out _) || statement.TryGetProperty("NotAction", out _))
        {
            (actions, notAction) = Either(statement, "Action", "NotAction", Strings, "an Action");
        }

        if (actions.Any(a => a != "*" && !a.StartsWith("kms:", StringComparison.OrdinalIgnoreCase)))
        {
            throw Malformed("Key policy actions must be kms:<operation> (wildcards allowed) or \"*\".");
        }

        IReadOnlyList<string> resources = [];
        var notResource = false;
        if (statement.TryGetProperty("Resource", out _) || statement.TryGetProperty("NotResource", out _))
        {
            (resources, notResource) = Either(statement, "Resource", "NotResource", Strings, "a Resource");
        }

        var conditions = new List<ConditionClause>();
        if (statement.TryGetProperty("Condition", out var condition))
        {
            if (condition.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("A Condition must be a JSON object.");
            }

            foreach (var op in condition.EnumerateObject())
            {
                if (op.Value.ValueKind != JsonValueKind.Object)
                {
                    throw Malformed($"The condition operator {op.Name} must map condition keys to values.");
                }

                conditions.AddRange(op.Value.EnumerateObject().Select(k => ConditionClause.Create(op.Name, k.Name, Scalars(k.Value))));
            }
        }

        var sid = statement.TryGetProperty("Sid", out var s) ? s.GetString() : null;
        return new PolicyStatement(sid, effect == "Allow", principals, notPrincipal, actions, notAction, resources, notResource, conditions)
        {
            Inert = actions.Count == 0 || resources.Count == 0,
        };
    }

    private static (IReadOnlyList<string> Values, bool Not) Either(JsonElement statement, string name, string notName,
        Func<JsonElement, IReadOnlyList<string>> parse, string what)
    {
        var has = statement.TryGetProperty(name, out var positive);
        var hasNot = statement.TryGetProperty(notName, out var negative);
        if (has == hasNot)
        {
            throw Malformed($"Each key policy statement needs {what} ({name} or {notName}, not both).");
        }

        var values = parse(has ? positive : negative);
        return values.Count == 0 ? throw Malformed($"{(has ? name : notName)} must not be empty.") : (values, hasNot);
    }

    private static IReadOnlyList<string> ParsePrincipal(JsonElement principal)
    {
        if (principal.ValueKind == JsonValueKind.String)
        {
            return principal.GetString() == "*" ? ["*"] : throw Malformed("A Principal string must be \"*\"; name principals as {\"AWS\": ...}.");
        }

        if (principal.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("A Principal must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::111122223333:root\"}.");
        }

        var result = new List<string>();
        foreach (var kind in principal.EnumerateObject())
        {
            var values = Strings(kind.Value);
            if (kind.Name == "AWS")
            {
                foreach (var value in values.Where(v => !PolicyStatement.IsValidPrincipal(v)))
                {
                    throw Malformed($"Policy contains a statement with one or more invalid principals: {KmsErrors.Printable(value)}.");
                }

                result.AddRange(values);
            }
            else if (kind.Name is not ("Service" or "Federated" or "CanonicalUser"))
            {
                throw Malformed($"Unknown principal type {kind.Name}.");
            }
        }

        // Service and federated principals never call this service directly: they match nobody, and that is valid.
        return result.Count == 0 ? ["(none)"] : result;
    }

    private static IReadOnlyList<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw Malformed("Policy lists hold strings.")).ToList(),
        _ => throw Malformed("Expected a string or a list of strings in the policy."),
    };

    /// <summary>Condition values: strings, numbers and booleans are all compared as text, as IAM does.</summary>
    private static List<string> Scalars(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray().Select(Scalar).ToList(),
        _ => [Scalar(element)],
    };

    private static string Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw Malformed("Condition values must be strings, numbers or booleans."),
    };

    private static KmsException Malformed(string message) => KmsErrors.MalformedPolicy(message);
}
