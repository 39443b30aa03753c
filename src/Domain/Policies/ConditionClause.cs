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
    private static readonly Dictionary<string, (Func<string, string, bool> Match, bool Negated, ValueKind Kind)> Operators =
        new(StringComparer.Ordinal)
        {
            ["StringEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), false, ValueKind.Text),
            ["StringNotEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), true, ValueKind.Text),
            ["StringEqualsIgnoreCase"] = ((v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), false, ValueKind.Text),
            ["StringNotEqualsIgnoreCase"] = ((v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), true, ValueKind.Text),
            ["StringLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), false, ValueKind.Text),
            ["StringNotLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), true, ValueKind.Text),
            ["ArnEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), false, ValueKind.Text),
            ["ArnNotEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), true, ValueKind.Text),
            ["ArnLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), false, ValueKind.Text),
            ["ArnNotLike"] = ((v, p) => Wildcard.Matches(p, v, ignoreCase: false), true, ValueKind.Text),
            ["Bool"] = ((v, p) => string.Equals(v, p, StringComparison.OrdinalIgnoreCase), false, ValueKind.Boolean),
            ["NumericEquals"] = ((v, p) => Compare(v, p) is 0, false, ValueKind.Number),
            ["NumericNotEquals"] = ((v, p) => Compare(v, p) is 0, true, ValueKind.Number),
            ["NumericLessThan"] = ((v, p) => Compare(v, p) is < 0, false, ValueKind.Number),
            ["NumericLessThanEquals"] = ((v, p) => Compare(v, p) is <= 0, false, ValueKind.Number),
            ["NumericGreaterThan"] = ((v, p) => Compare(v, p) is > 0, false, ValueKind.Number),
            ["NumericGreaterThanEquals"] = ((v, p) => Compare(v, p) is >= 0, false, ValueKind.Number),
            ["DateEquals"] = ((v, p) => CompareDates(v, p) is 0, false, ValueKind.Date),
            ["DateNotEquals"] = ((v, p) => CompareDates(v, p) is 0, true, ValueKind.Date),
            ["DateLessThan"] = ((v, p) => CompareDates(v, p) is < 0, false, ValueKind.Date),
            ["DateLessThanEquals"] = ((v, p) => CompareDates(v, p) is <= 0, false, ValueKind.Date),
            ["DateGreaterThan"] = ((v, p) => CompareDates(v, p) is > 0, false, ValueKind.Date),
            ["DateGreaterThanEquals"] = ((v, p) => CompareDates(v, p) is >= 0, false, ValueKind.Date),
            ["IpAddress"] = (InRange, false, ValueKind.Network),
            ["NotIpAddress"] = (InRange, true, ValueKind.Network),
            ["BinaryEquals"] = ((v, p) => string.Equals(v, p, StringComparison.Ordinal), false, ValueKind.Binary),
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

        if (qualifier == SetQualifier.ForAllValues && ConditionKeyCatalog.IsSingleValued(key))
        {
            // AWS refuses this: ForAllValues is true when the key is absent, so such an Allow admits requests without it.
            throw KmsErrors.MalformedPolicy($"OverlyPermissiveCondition: the ForAllValues set operator with the single-valued condition key {key} "
                                            + "is true when the request does not carry the key; use the operator without a set qualifier.");
        }

        foreach (var value in values.Where(v => !Valid(op.Kind, v)))
        {
            throw KmsErrors.MalformedPolicy($"The {name} condition on {key} cannot use the value {KmsErrors.Printable(value)}: it needs {Describe(op.Kind)}.");
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

    private static bool Valid(ValueKind kind, string value) => kind switch
    {
        ValueKind.Number => decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
        ValueKind.Date => ParseDate(value) is not null,
        ValueKind.Network => ParseNetwork(value) is not null,
        ValueKind.Binary => IsBase64(value),
        ValueKind.Boolean => value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase),
        _ => true,
    };

    private static string Describe(ValueKind kind) => kind switch
    {
        ValueKind.Number => "numbers",
        ValueKind.Date => "dates (ISO 8601 such as 2026-01-31T00:00:00Z, or seconds since 1970)",
        ValueKind.Network => "IP addresses or CIDR ranges",
        ValueKind.Binary => "base64 values",
        ValueKind.Boolean => "true or false",
        _ => "strings",
    };

    /// <summary>A date as IAM reads one: ISO 8601 (a date, or a date and time) or seconds since 1970-01-01 UTC.</summary>
    internal static DateTimeOffset? ParseDate(string value)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 253402300799)
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
               && (value.Length >= 10 && char.IsAsciiDigit(value[0]) && value[4] == '-')
            ? date
            : null;
    }

    private static int? CompareDates(string requestValue, string policyValue) =>
        ParseDate(requestValue) is { } v && ParseDate(policyValue) is { } p ? v.CompareTo(p) : null;

    private static System.Net.IPNetwork? ParseNetwork(string value)
    {
        if (System.Net.IPNetwork.TryParse(value, out var network))
        {
            return network;
        }

        return System.Net.IPAddress.TryParse(value, out var address)
            ? new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            : null;
    }

    private static bool InRange(string requestValue, string policyValue) =>
        System.Net.IPAddress.TryParse(requestValue, out var address) && ParseNetwork(policyValue) is { } network
        && network.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out _);
    }

    private static int? Compare(string requestValue, string policyValue) =>
        decimal.TryParse(requestValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
        && decimal.TryParse(policyValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var p)
            ? v.CompareTo(p)
            : null;
}

/// <summary>What a condition operator compares: its policy values are checked to be of that kind when the policy is set.</summary>
internal enum ValueKind
{
    Text,
    Number,
    Date,
    Network,
    Binary,
    Boolean,
}
