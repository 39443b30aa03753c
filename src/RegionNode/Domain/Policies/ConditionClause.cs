using System.Globalization;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>How a condition treats a key with several values in the request.</summary>
public enum SetQualifier
{
    None,
    ForAnyValue,
    ForAllValues,
}

/// <summary>
/// One "operator: { key: values }" entry of a Condition block, with IAM's semantics: the policy's values are ORed,
/// a negated operator (StringNotEquals, ...) is true when the request matches none of them, a missing key makes
/// positive operators false and negated ones true (IfExists: true either way), ForAnyValue/ForAllValues apply the
/// operator to each of a multi-valued key's values.
/// </summary>
public sealed class ConditionClause
{
    private static readonly Dictionary<string, (Func<string, string, bool> Match, bool Negated, bool Numeric)> Operators =
        new(StringComparer.Ordinal)
        {
            ["StringEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), false, false),
            ["StringNotEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), true, false),
            ["StringEqualsIgnoreCase"] = ((v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), false, false),
            ["StringNotEqualsIgnoreCase"] = ((v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), true, false),
            ["StringLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), false, false),
            ["StringNotLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), true, false),
            ["ArnEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), false, false),
            ["ArnNotEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), true, false),
            ["ArnLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), false, false),
            ["ArnNotLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), true, false),
            ["Bool"] = ((v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), false, false),
            ["NumericEquals"] = ((v, p) => Compare(v, p) is 0, false, true),
            ["NumericNotEquals"] = ((v, p) => Compare(v, p) is 0, true, true),
            ["NumericLessThan"] = ((v, p) => Compare(v, p) is < 0, false, true),
            ["NumericLessThanEquals"] = ((v, p) => Compare(v, p) is <= 0, false, true),
            ["NumericGreaterThan"] = ((v, p) => Compare(v, p) is > 0, false, true),
            ["NumericGreaterThanEquals"] = ((v, p) => Compare(v, p) is >= 0, false, true),
        };

    private readonly Func<string, string, bool>? _match;
    private readonly bool _negated;

    private ConditionClause(string operatorName, SetQualifier qualifier, bool ifExists, string key, IReadOnlyList<string> values,
        Func<string, string, bool>? match, bool negated)
    {
        OperatorName = operatorName;
        Qualifier = qualifier;
        IfExists = ifExists;
        Key = key;
        Values = values;
        _match = match;
        _negated = negated;
    }

    public string OperatorName { get; }

    public SetQualifier Qualifier { get; }

    public bool IfExists { get; }

    public string Key { get; }

    public IReadOnlyList<string> Values { get; }

    /// <summary>Parses "[ForAnyValue:|ForAllValues:]Operator[IfExists]"; an unknown operator makes the document malformed.</summary>
    public static ConditionClause Create(string operatorText, string key, IReadOnlyList<string> values)
    {
        var qualifier = SetQualifier.None;
        var name = operatorText;
        foreach (var (prefix, set) in new[] { ("ForAnyValue:", SetQualifier.ForAnyValue), ("ForAllValues:", SetQualifier.ForAllValues) })
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                qualifier = set;
                name = name[prefix.Length..];
            }
        }

        var ifExists = name.EndsWith("IfExists", StringComparison.Ordinal) && name != "IfExists";
        if (ifExists)
        {
            name = name[..^"IfExists".Length];
        }

        if (name == "Null")
        {
            if (values.Any(v => v is not ("true" or "false")))
            {
                throw KmsErrors.MalformedPolicy($"The Null condition on {key} takes \"true\" or \"false\".");
            }

            return new ConditionClause(name, qualifier, ifExists, key, values, null, false);
        }

        if (!Operators.TryGetValue(name, out var op))
        {
            throw KmsErrors.MalformedPolicy($"Unsupported condition operator {operatorText}.");
        }

        if (op.Numeric && values.Any(v => !decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            throw KmsErrors.MalformedPolicy($"The {name} condition on {key} needs numbers.");
        }

        return new ConditionClause(name, qualifier, ifExists, key, values, op.Match, op.Negated);
    }

    public bool IsSatisfied(AccessRequest request)
    {
        var present = request.Values(Key);
        if (_match is null)
        {
            // Null: "true" asks that the key be absent, "false" that it be present.
            var absent = present is null || present.Count == 0;
            return Values.Any(v => (v == "true") == absent);
        }

        if (present is null || present.Count == 0)
        {
            return Qualifier switch
            {
                SetQualifier.ForAllValues => true,
                SetQualifier.ForAnyValue => false,
                _ => IfExists || _negated,
            };
        }

        bool Hit(string value) => Values.Any(p => _match(value, p)) != _negated;
        return Qualifier switch
        {
            SetQualifier.ForAllValues => present.All(Hit),
            SetQualifier.ForAnyValue => present.Any(Hit),
            _ => _negated ? present.All(Hit) : present.Any(Hit),
        };
    }

    private static int? Compare(string requestValue, string policyValue) =>
        decimal.TryParse(requestValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
        && decimal.TryParse(policyValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var p)
            ? v.CompareTo(p)
            : null;
}
