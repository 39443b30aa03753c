using System.Collections;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>
/// Reads an awsJson1.1 request body into our request message, member by member as AWS's model types them: blobs are
/// base64 strings, timestamps epoch seconds, enums the model's values. It checks form only (is this a string, a
/// number, a known enum value); what values mean and allow is the domain's to decide, for both fronts alike. Members
/// the model does not define are ignored, as AWS ignores them; a JSON null is an absent member.
/// </summary>
public static class AwsJsonReader
{
    /// <summary>Deepest nesting accepted; the model's deepest request (CreateGrant's constraints) is 3.</summary>
    private const int MaxDepth = 16;

    public static IMessage Read(AwsServiceModel model, string inputShape, ReadOnlyMemory<byte> body, MessageDescriptor request)
    {
        var message = request.Parser.ParseFrom(ByteString.Empty);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException)
        {
            throw Serialization("The request body is not valid JSON.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Serialization("The request body must be a JSON object.");
            }

            try
            {
                ReadStructure(model, model.Shape(inputShape), document.RootElement, message, string.Empty);
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json checks UTF-8 inside strings and names only when they are read.
                throw Serialization("The request body is not valid UTF-8.");
            }
        }

        return message;
    }

    /// <summary>AWS's name for a body it cannot read as the operation's input.</summary>
    public static KmsException Serialization(string message) => new(KmsErrorCodes.Serialization, message);

    private static void ReadStructure(AwsServiceModel model, AwsShape shape, JsonElement json, IMessage message, string path)
    {
        var bindings = ModelBinding.Members(shape, message.Descriptor);
        foreach (var property in json.EnumerateObject())
        {
            var binding = bindings.FirstOrDefault(b => b.Member == property.Name);
            if (binding is null || property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var memberPath = path.Length == 0 ? ModelBinding.CamelCase(binding.Member) : $"{path}.{ModelBinding.CamelCase(binding.Member)}";
            if (binding.Field is null)
            {
                throw KmsErrors.Unsupported(binding.UnsupportedBecause!);
            }

            // An older name and the current one given together: the current one decides, as it does at AWS.
            if (ModelBinding.IsAlias(binding.Member) && bindings.Any(b => b.Field == binding.Field && b.Member != binding.Member
                                                                          && json.TryGetProperty(b.Member, out var current) && current.ValueKind != JsonValueKind.Null))
            {
                continue;
            }

            ReadField(model, model.Shape(binding.ShapeName), binding.Field, property.Value, message, memberPath);
        }
    }

    private static void ReadField(AwsServiceModel model, AwsShape shape, FieldDescriptor field, JsonElement json, IMessage message, string path)
    {
        if (field.IsMap)
        {
            var map = (IDictionary)field.Accessor.GetValue(message);
            foreach (var entry in Expect(json, JsonValueKind.Object, "a map", path).EnumerateObject())
            {
                map[entry.Name] = ReadScalar(model, model.Shape(shape.MapValue!), field.MessageType.FindFieldByName("value"),
                    entry.Value, $"{path}.{entry.Name}");
            }

            return;
        }

        if (field.IsRepeated)
        {
            var list = (IList)field.Accessor.GetValue(message);
            var elementShape = model.Shape(shape.ListMember!);
            var index = 0;
            foreach (var element in Expect(json, JsonValueKind.Array, "a list", path).EnumerateArray())
            {
                index++;
                if (element.ValueKind == JsonValueKind.Null)
                {
                    throw Serialization($"'{path}' contains a null element.");
                }

                list.Add(ReadValue(model, elementShape, field, element, $"{path}.{index}.member"));
            }

            return;
        }

        field.Accessor.SetValue(message, ReadValue(model, shape, field, json, path));
    }

    private static object ReadValue(AwsServiceModel model, AwsShape shape, FieldDescriptor field, JsonElement json, string path)
    {
        if (shape.Type == "structure")
        {
            var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
            ReadStructure(model, shape, Expect(json, JsonValueKind.Object, "a structure", path), nested, path);
            return nested;
        }

        return ReadScalar(model, shape, field, json, path);
    }

    private static object ReadScalar(AwsServiceModel model, AwsShape shape, FieldDescriptor field, JsonElement json, string path)
    {
        switch (shape.Type)
        {
            case "string":
                var text = Expect(json, JsonValueKind.String, "a string", path).GetString()!;
                return field.FieldType == FieldType.Enum ? EnumNumber(shape, field.EnumType, text, path) : text;
            case "blob":
                // The decoded bytes are the message's own (never shared), so they are wrapped rather than copied again.
                return Expect(json, JsonValueKind.String, "a base64-encoded string", path).TryGetBytesFromBase64(out var bytes)
                    ? UnsafeByteOperations.UnsafeWrap(bytes)
                    : throw Serialization($"'{path}' is not valid base64.");
            case "boolean":
                return json.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Serialization($"'{path}' must be a boolean."),
                };
            case "integer":
                return Expect(json, JsonValueKind.Number, "an integer", path).TryGetInt32(out var number)
                    ? number
                    : throw Serialization($"'{path}' must be a 32-bit integer.");
            case "long":
                return Expect(json, JsonValueKind.Number, "an integer", path).TryGetInt64(out var wide)
                    ? wide
                    : throw Serialization($"'{path}' must be a 64-bit integer.");
            case "timestamp":
                return ReadTimestamp(Expect(json, JsonValueKind.Number, "epoch seconds", path), path);
            default:
                throw new NotSupportedException($"The model's shape type '{shape.Type}' at '{path}' is not read by the JSON front.");
        }
    }

    /// <summary>Our enum number for a model value; a value outside the model's set is AWS's ValidationException, one of the
    /// model's that this service does not have is UnsupportedOperationException.</summary>
    private static int EnumNumber(AwsShape shape, EnumDescriptor type, string value, string path)
    {
        if (shape.EnumValues.Count > 0 && !shape.EnumValues.Contains(value, StringComparer.Ordinal))
        {
            throw KmsErrors.Constraint(path, value, $"Member must satisfy enum value set: [{string.Join(", ", shape.EnumValues)}]");
        }

        var ours = ModelBinding.EnumValue(type, value) ?? throw KmsErrors.Unsupported($"{KmsErrors.Printable(value)} is not supported by this service.");
        return ours.Number;
    }

    private static Timestamp ReadTimestamp(JsonElement json, string path)
    {
        if (!json.TryGetDecimal(out var seconds) || seconds < -62_135_596_800m || seconds > 253_402_300_799m)
        {
            throw Serialization($"'{path}' must be a timestamp in epoch seconds.");
        }

        var whole = decimal.Floor(seconds);
        return new Timestamp { Seconds = (long)whole, Nanos = (int)((seconds - whole) * 1_000_000_000m) };
    }

    private static JsonElement Expect(JsonElement json, JsonValueKind kind, string what, string path) =>
        json.ValueKind == kind ? json : throw Serialization($"'{path}' must be {what}, not {Describe(json.ValueKind)}.");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => kind.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}
