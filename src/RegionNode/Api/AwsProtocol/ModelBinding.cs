using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Google.Protobuf.Reflection;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>Where a member of AWS's model lives in our protos: a field, or nowhere (and then why).</summary>
public sealed record MemberBinding(string Member, string ShapeName, FieldDescriptor? Field, string? UnsupportedBecause);

/// <summary>
/// Binds the members of AWS's model to the fields of our protos, by name (AWS's "KeyId" is our "key_id"), and the
/// enum values of the model to ours (AWS's "RSAES_OAEP_SHA_256" is our "ENCRYPTION_ALGORITHM_SPEC_RSAES_OAEP_SHA_256",
/// AWS's "PendingDeletion" our "KEY_STATE_PENDING_DELETION"). The few members the protos do not carry are listed here
/// with the reason, so a request that sets one is refused by name instead of silently ignored.
/// </summary>
public static partial class ModelBinding
{
    private static readonly ConcurrentDictionary<(string Shape, string Message), IReadOnlyList<MemberBinding>> Bindings = new();
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, EnumValueDescriptor>> EnumsByModelValue = new();

    /// <summary>Members of the model this service does not carry, with the refusal a request that sets one gets.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unsupported = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CustomKeyStoreId"] = "Custom key stores are not supported by this service.",
        ["XksKeyId"] = "External key stores are not supported by this service.",
        ["CloudHsmClusterId"] = "Custom key stores are not supported by this service.",
        ["XksKeyConfiguration"] = "External key stores are not supported by this service.",
        ["Recipient"] = "Recipient (attested Nitro Enclaves requests) is not supported by this service.",
        ["CiphertextForRecipient"] = "Recipient (attested Nitro Enclaves requests) is not supported by this service.",
        ["DryRunModifiers"] = "DryRunModifiers is not supported by this service; send DryRun alone.",
    };

    /// <summary>Members the model keeps under an older name beside the current one: both read and write the same field.</summary>
    private static readonly Dictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["CustomerMasterKeySpec"] = "key_spec",
    };

    /// <summary>The members of <paramref name="shape"/> bound to the fields of <paramref name="message"/>, in the model's order.</summary>
    public static IReadOnlyList<MemberBinding> Members(AwsShape shape, MessageDescriptor message) =>
        Bindings.GetOrAdd((shape.Name, message.FullName), _ => shape.Members.Select(member =>
        {
            var fieldName = Aliases.TryGetValue(member.Key, out var alias) ? alias : SnakeCase(member.Key);
            var field = message.FindFieldByName(fieldName);
            return new MemberBinding(member.Key, member.Value, field,
                field is null ? Unsupported.GetValueOrDefault(member.Key, $"{member.Key} is not supported by this service.") : null);
        }).ToList());

    /// <summary>Whether the member is an older name of a field another member also carries (written once, under both names).</summary>
    public static bool IsAlias(string member) => Aliases.ContainsKey(member);

    /// <summary>Our enum value for one of the model's, or null when this service does not have it.</summary>
    public static EnumValueDescriptor? EnumValue(EnumDescriptor type, string modelValue) =>
        ByModelValue(type).GetValueOrDefault(Normalize(modelValue));

    /// <summary>The model's spelling of one of our enum values, among <paramref name="modelValues"/>.</summary>
    public static string? ModelValue(EnumValueDescriptor value, IReadOnlyList<string> modelValues)
    {
        var normalized = Normalize(Unprefixed(value));
        return modelValues.FirstOrDefault(v => Normalize(v) == normalized);
    }

    /// <summary>"KeySpec" → "key_spec", "GrantTokens" → "grant_tokens", "KeyARN" → "key_arn".</summary>
    public static string SnakeCase(string member) => Boundary().Replace(member, "_").ToLowerInvariant();

    /// <summary>AWS's name of a member in its validation messages: "KeySpec" → "keySpec".</summary>
    public static string CamelCase(string member) => member.Length == 0 ? member : char.ToLowerInvariant(member[0]) + member[1..];

    private static IReadOnlyDictionary<string, EnumValueDescriptor> ByModelValue(EnumDescriptor type) =>
        EnumsByModelValue.GetOrAdd(type.FullName, _ => type.Values.Where(v => v.Number != 0).ToDictionary(v => Normalize(Unprefixed(v)), v => v, StringComparer.Ordinal));

    private static string Unprefixed(EnumValueDescriptor value)
    {
        var prefix = SnakeCase(value.EnumDescriptor.Name).ToUpperInvariant() + "_";
        return value.Name.StartsWith(prefix, StringComparison.Ordinal) ? value.Name[prefix.Length..] : value.Name;
    }

    private static string Normalize(string name) => name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    [GeneratedRegex("(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex Boundary();
}
