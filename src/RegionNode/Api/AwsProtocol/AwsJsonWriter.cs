using System.Collections;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>
/// Writes our response message as the operation's awsJson1.1 output: the model's member names and enum values, blobs
/// in base64, timestamps in epoch seconds, absent members left out. Lists and maps at the top of an output are
/// written even when empty (AWS answers ListAliases of nothing with "Aliases": []); inside a structure an empty list is
/// left out (an HMAC key's metadata has no EncryptionAlgorithms).
/// </summary>
public static class AwsJsonWriter
{
    public static byte[] Write(AwsServiceModel model, string? outputShape, IMessage response)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            if (outputShape is null)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                WriteStructure(model, model.Shape(outputShape), response, writer, topLevel: true);
            }
        }

        return buffer.ToArray();
    }

    private static void WriteStructure(AwsServiceModel model, AwsShape shape, IMessage message, Utf8JsonWriter writer, bool topLevel)
    {
        writer.WriteStartObject();
        foreach (var binding in ModelBinding.Members(shape, message.Descriptor))
        {
            if (binding.Field is not { } field || !IsPresent(field, message, topLevel))
            {
                continue;
            }

            // The older CustomerMasterKeySpec has no values for key specs newer than it; AWS leaves it out for those.
            var shapeOf = model.Shape(binding.ShapeName);
            if (field is { FieldType: FieldType.Enum, IsRepeated: false } && ModelValueOf(field, field.Accessor.GetValue(message), shapeOf) is null)
            {
                continue;
            }

            writer.WritePropertyName(binding.Member);
            WriteField(model, shapeOf, field, field.Accessor.GetValue(message), writer);
        }

        writer.WriteEndObject();
    }

    private static bool IsPresent(FieldDescriptor field, IMessage message, bool topLevel)
    {
        var value = field.Accessor.GetValue(message);
        if (field.IsMap || field.IsRepeated)
        {
            return topLevel || ((ICollection)value).Count > 0;
        }

        if (field.HasPresence)
        {
            return field.Accessor.HasValue(message);
        }

        return field.FieldType switch
        {
            FieldType.Bool => true,
            FieldType.String => ((string)value).Length > 0,
            FieldType.Bytes => !((ByteString)value).IsEmpty,
            FieldType.Enum => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) != 0,
            FieldType.Int32 or FieldType.Int64 or FieldType.UInt32 or FieldType.UInt64 => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) != 0,
            _ => true,
        };
    }

    private static string? ModelValueOf(FieldDescriptor field, object value, AwsShape shape) =>
        field.EnumType.FindValueByNumber(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)) is { } ours
            ? ModelBinding.ModelValue(ours, shape.EnumValues)
            : null;

    private static void WriteField(AwsServiceModel model, AwsShape shape, FieldDescriptor field, object value, Utf8JsonWriter writer)
    {
        if (field.IsMap)
        {
            writer.WriteStartObject();
            foreach (DictionaryEntry entry in (IDictionary)value)
            {
                writer.WriteString((string)entry.Key, (string)entry.Value!);
            }

            writer.WriteEndObject();
            return;
        }

        if (field.IsRepeated)
        {
            var element = model.Shape(shape.ListMember!);
            writer.WriteStartArray();
            foreach (var item in (IList)value)
            {
                WriteValue(model, element, field, item, writer);
            }

            writer.WriteEndArray();
            return;
        }

        WriteValue(model, shape, field, value, writer);
    }

    private static void WriteValue(AwsServiceModel model, AwsShape shape, FieldDescriptor field, object value, Utf8JsonWriter writer)
    {
        switch (value)
        {
            case Timestamp time:
                // Epoch seconds with milliseconds, as AWS writes them.
                writer.WriteNumberValue(time.Seconds + (time.Nanos / 1_000_000) / 1000m);
                break;
            case IMessage nested:
                WriteStructure(model, shape, nested, writer, topLevel: false);
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case ByteString bytes:
                writer.WriteBase64StringValue(bytes.Span);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or long or uint or ulong:
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case not null when field.FieldType == FieldType.Enum:
                writer.WriteStringValue(ModelValueOf(field, value, shape)
                                        ?? throw new InvalidOperationException($"{field.FullName} = {value} has no value in the model's {shape.Name}."));
                break;
            default:
                throw new InvalidOperationException($"A value of type {value?.GetType().Name} has no awsJson1.1 form.");
        }
    }
}
