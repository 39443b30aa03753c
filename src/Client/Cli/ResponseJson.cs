using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Grpc.Mrk.Cli;

/// <summary>
/// A response as the AWS CLI shows it: PascalCase field names, AWS's enum constants, base64 for binary values,
/// ISO 8601 times, and fields left unset omitted.
/// </summary>
internal static class ResponseJson
{
    public static JsonObject From(IMessage message)
    {
        var json = new JsonObject();
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(message);
            if (field.HasPresence ? !field.Accessor.HasValue(message) : IsDefault(field, value))
            {
                continue;
            }

            json[Names.Pascal(field.Name)] = Node(field, value);
        }

        return json;
    }

    private static bool IsDefault(FieldDescriptor field, object? value) => value switch
    {
        _ when field.FieldType == FieldType.Enum && !field.IsRepeated => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
        null => true,
        System.Collections.ICollection c => c.Count == 0,
        string s => s.Length == 0,
        ByteString b => b.IsEmpty,
        bool b => !b && field.Name is not ("signature_valid" or "mac_valid" or "enabled" or "truncated" or "key_rotation_enabled"),
        _ => false,
    };

    private static JsonNode? Node(FieldDescriptor field, object? value)
    {
        if (field.IsMap)
        {
            var map = new JsonObject();
            foreach (System.Collections.DictionaryEntry entry in (System.Collections.IDictionary)value!)
            {
                map[(string)entry.Key] = JsonValue.Create(entry.Value?.ToString());
            }

            return map;
        }

        if (field.IsRepeated)
        {
            var array = new JsonArray();
            foreach (var item in (System.Collections.IEnumerable)value!)
            {
                array.Add(Single(field, item));
            }

            return array;
        }

        return Single(field, value);
    }

    private static JsonNode? Single(FieldDescriptor field, object? value) => value switch
    {
        Timestamp ts => JsonValue.Create(ts.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffK", System.Globalization.CultureInfo.InvariantCulture)),
        IMessage m => From(m),
        ByteString b => JsonValue.Create(b.ToBase64()),
        _ when field.FieldType == FieldType.Enum => JsonValue.Create(EnumName(field, value)),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        _ => JsonValue.Create(value?.ToString()),
    };

    private static string EnumName(FieldDescriptor field, object? value)
    {
        var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        var descriptor = field.EnumType.FindValueByNumber(number);
        return descriptor is null ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : Names.AwsEnumValue(descriptor);
    }
}
