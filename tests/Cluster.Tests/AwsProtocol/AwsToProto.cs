using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Grpc.Mrk.Cluster.Tests.AwsProtocol;

/// <summary>
/// A request in AWS's JSON form ("KeySpec": "RSA_2048") as our proto message (key_spec = KEY_SPEC_RSA_2048), written
/// for the tests independently of the node's own reader: member names become field names, enum values are matched to
/// ours without their prefix and underscores, everything else goes through protobuf's JSON parser unchanged (base64
/// blobs and maps have the same form in both).
/// </summary>
public static class AwsToProto
{
    public static IMessage Convert(string awsJson, MessageDescriptor descriptor)
    {
        var converted = Structure(JsonNode.Parse(awsJson)!.AsObject(), descriptor);
        return JsonParser.Default.Parse(converted.ToJsonString(), descriptor);
    }

    private static JsonObject Structure(JsonObject aws, MessageDescriptor descriptor)
    {
        var result = new JsonObject();
        foreach (var (member, value) in aws)
        {
            var field = descriptor.FindFieldByName(Snake(member)) ?? throw new ArgumentException($"{descriptor.Name} has no field for {member}");
            result[field.Name] = Value(value, field);
        }

        return result;
    }

    private static JsonNode? Value(JsonNode? value, FieldDescriptor field) => value switch
    {
        JsonArray list when field.IsRepeated && !field.IsMap => new JsonArray([.. list.Select(item => Single(item, field))]),
        _ => Single(value, field),
    };

    private static JsonNode? Single(JsonNode? value, FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Enum when value is JsonValue text && text.TryGetValue<string>(out var name) => JsonValue.Create(EnumName(field.EnumType, name)),
        FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp" && value is JsonValue seconds && seconds.TryGetValue<long>(out var epoch) =>
            JsonValue.Create(DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture)),
        FieldType.Message when !field.IsMap && field.MessageType.FullName != "google.protobuf.Timestamp" && value is JsonObject nested =>
            Structure(nested, field.MessageType),
        _ => value?.DeepClone(),
    };

    private static string EnumName(EnumDescriptor type, string awsValue)
    {
        static string Normal(string s) => s.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
        var prefix = Snake(type.Name).ToUpperInvariant() + "_";
        return type.Values.FirstOrDefault(v => Normal(v.Name[prefix.Length..]) == Normal(awsValue))?.Name ?? awsValue;
    }

    private static string Snake(string name) =>
        System.Text.RegularExpressions.Regex.Replace(name, "(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_").ToLowerInvariant();
}
