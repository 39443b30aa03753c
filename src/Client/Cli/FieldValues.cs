using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Grpc.Mrk.Cli;

/// <summary>
/// Turns command-line text into request field values the way the AWS CLI reads them: fileb:// for binary files,
/// file:// for text files, base64 for other binary values, k=v pairs (or a JSON object) for maps.
/// </summary>
internal static class FieldValues
{
    public static void Set(IMessage message, FieldDescriptor field, IReadOnlyList<string> tokens)
    {
        var accessor = field.Accessor;
        if (field.IsMap)
        {
            var map = (System.Collections.IDictionary)accessor.GetValue(message);
            foreach (var (key, value) in Pairs(tokens, field))
            {
                map[key] = value;
            }

            return;
        }

        if (field.IsRepeated)
        {
            var list = (System.Collections.IList)accessor.GetValue(message);
            foreach (var token in tokens)
            {
                if (field.FieldType == FieldType.Message)
                {
                    foreach (var item in Messages(field.MessageType, token))
                    {
                        list.Add(item);
                    }
                }
                else
                {
                    list.Add(Scalar(field, token));
                }
            }

            return;
        }

        if (field.FieldType == FieldType.Message && field.MessageType.FullName != Google.Protobuf.WellKnownTypes.Timestamp.Descriptor.FullName)
        {
            accessor.SetValue(message, Structure(field, ReadText(tokens[^1]).Trim()));
            return;
        }

        accessor.SetValue(message, Scalar(field, tokens[^1]));
    }

    /// <summary>How a structure is written on the command line: the AWS CLI's shorthand, or a JSON object.</summary>
    public static string StructureSyntax(MessageDescriptor descriptor) =>
        string.Join(",", descriptor.Fields.InFieldNumberOrder().Select(f => Names.Pascal(f.Name) + (f.IsMap ? "={key=value,...}" : "=..."))) + ", or a JSON object";

    /// <summary>
    /// A structure from the AWS CLI's shorthand (EncryptionContextSubset={Department=IT,Project=Alpha}) or from JSON
    /// ({"EncryptionContextSubset":{"Department":"IT"}}); member names as AWS spells them, any case.
    /// </summary>
    private static IMessage Structure(FieldDescriptor field, string text)
    {
        var descriptor = field.MessageType;
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        var members = text.StartsWith('{') ? JsonMembers(field, text) : ShorthandMembers(field, text);
        foreach (var (name, value) in members)
        {
            var member = descriptor.Fields.InFieldNumberOrder().FirstOrDefault(f =>
                             string.Equals(Names.Pascal(f.Name), name, StringComparison.OrdinalIgnoreCase)
                             || string.Equals(f.JsonName, name, StringComparison.OrdinalIgnoreCase))
                         ?? throw new CliUsageException($"--{Names.Kebab(field.Name)} has no member '{name}'; it takes {StructureSyntax(descriptor)}.");
            if (member.IsMap && value is Dictionary<string, string> pairs)
            {
                var map = (System.Collections.IDictionary)member.Accessor.GetValue(message);
                foreach (var (key, item) in pairs)
                {
                    map[key] = item;
                }
            }
            else if (member.FieldType == FieldType.String && !member.IsRepeated && value is string scalar)
            {
                member.Accessor.SetValue(message, scalar);
            }
            else
            {
                throw new CliUsageException($"--{Names.Kebab(field.Name)}: member {Names.Pascal(member.Name)} takes "
                                            + (member.IsMap ? "{key=value,...}" : "a value") + "; the syntax is " + StructureSyntax(descriptor) + ".");
            }
        }

        return message;
    }

    private static List<(string Name, object Value)> JsonMembers(FieldDescriptor field, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind == JsonValueKind.Object
                ? (object)p.Value.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()
                    ?? throw new CliUsageException($"--{Names.Kebab(field.Name)}: values are strings."))
                : p.Value.GetString() ?? string.Empty)).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CliUsageException($"--{Names.Kebab(field.Name)} is not valid JSON of {StructureSyntax(field.MessageType)}.");
        }
    }

    private static List<(string Name, object Value)> ShorthandMembers(FieldDescriptor field, string text)
    {
        var result = new List<(string, object)>();
        var position = 0;
        while (position < text.Length)
        {
            var equals = text.IndexOf('=', position);
            if (equals <= position)
            {
                throw new CliUsageException($"--{Names.Kebab(field.Name)} takes {StructureSyntax(field.MessageType)}, not '{text}'.");
            }

            var name = text[position..equals].Trim();
            if (equals + 1 < text.Length && text[equals + 1] == '{')
            {
                var close = text.IndexOf('}', equals);
                if (close < 0)
                {
                    throw new CliUsageException($"--{Names.Kebab(field.Name)}: '{{' after {name}= is never closed.");
                }

                var inner = text[(equals + 2)..close];
                result.Add((name, inner.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(
                    p => p.Length == 2 ? p[0].Trim() : throw new CliUsageException($"--{Names.Kebab(field.Name)}: '{string.Join("=", p)}' is not key=value."),
                    p => p[1].Trim())));
                position = close + 1;
            }
            else
            {
                var comma = text.IndexOf(',', equals);
                var end = comma < 0 ? text.Length : comma;
                result.Add((name, text[(equals + 1)..end].Trim()));
                position = end;
            }

            if (position < text.Length && text[position] == ',')
            {
                position++;
            }
        }

        return result;
    }

    private static object Scalar(FieldDescriptor field, string token) => field.FieldType switch
    {
        FieldType.String => ReadText(token),
        FieldType.Bytes => ByteString.CopyFrom(ReadBinary(token, field)),
        FieldType.Int32 => int.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out var i)
            ? i : throw new CliUsageException($"--{Names.Kebab(field.Name)} needs a whole number, not '{token}'."),
        FieldType.Int64 => long.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out var l)
            ? l : throw new CliUsageException($"--{Names.Kebab(field.Name)} needs a whole number, not '{token}'."),
        FieldType.Bool => bool.TryParse(token, out var b)
            ? b : throw new CliUsageException($"--{Names.Kebab(field.Name)} needs true or false, not '{token}'."),
        FieldType.Enum => EnumNumber(field, token),
        FieldType.Message when field.MessageType.FullName == Google.Protobuf.WellKnownTypes.Timestamp.Descriptor.FullName => TimestampOf(field, token),
        _ => throw new CliUsageException($"--{Names.Kebab(field.Name)} cannot be given on the command line."),
    };

    /// <summary>As the AWS CLI reads timestamps: ISO 8601 (a time zone or Z; UTC if none) or Unix seconds.</summary>
    private static Google.Protobuf.WellKnownTypes.Timestamp TimestampOf(FieldDescriptor field, string token)
    {
        if (long.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeSeconds(seconds));
        }

        return DateTimeOffset.TryParse(token, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time)
            : throw new CliUsageException($"--{Names.Kebab(field.Name)} needs a date and time such as 2027-01-31T00:00:00Z or Unix seconds, not '{token}'.");
    }

    private static int EnumNumber(FieldDescriptor field, string token)
    {
        var value = field.EnumType.Values.FirstOrDefault(v => v.Number != 0 && Names.AwsEnumValue(v) == token);
        return value?.Number ?? throw new CliUsageException(
            $"--{Names.Kebab(field.Name)} must be one of: {string.Join(", ", AllowedValues(field.EnumType))}");
    }

    public static IEnumerable<string> AllowedValues(EnumDescriptor descriptor) =>
        descriptor.Values.Where(v => v.Number != 0).Select(Names.AwsEnumValue);

    private static string ReadText(string token) =>
        token.StartsWith("file://", StringComparison.Ordinal) ? File.ReadAllText(token["file://".Length..]) : token;

    private static byte[] ReadBinary(string token, FieldDescriptor field)
    {
        if (token.StartsWith("fileb://", StringComparison.Ordinal))
        {
            return File.ReadAllBytes(token["fileb://".Length..]);
        }

        var text = token.StartsWith("file://", StringComparison.Ordinal) ? File.ReadAllText(token["file://".Length..]).Trim() : token;
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new CliUsageException(
                $"--{Names.Kebab(field.Name)} takes base64 text or fileb://<path> for raw bytes (as the AWS CLI does).");
        }
    }

    private static IEnumerable<(string Key, string Value)> Pairs(IReadOnlyList<string> tokens, FieldDescriptor field)
    {
        foreach (var token in tokens)
        {
            var text = ReadText(token).Trim();
            if (text.StartsWith('{'))
            {
                Dictionary<string, string>? parsed;
                try
                {
                    parsed = JsonSerializer.Deserialize<Dictionary<string, string>>(text);
                }
                catch (JsonException)
                {
                    throw new CliUsageException($"--{Names.Kebab(field.Name)} is not a JSON object of strings.");
                }

                foreach (var pair in parsed ?? [])
                {
                    yield return (pair.Key, pair.Value);
                }

                continue;
            }

            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new CliUsageException($"--{Names.Kebab(field.Name)} takes key=value pairs, not '{part}'.");
                }

                yield return (part[..equals], part[(equals + 1)..]);
            }
        }
    }

    /// <summary>Messages from shorthand: "TagKey=a,TagValue=b" (AWS CLI) or "a=b" for a two-field message.</summary>
    private static IEnumerable<IMessage> Messages(MessageDescriptor descriptor, string token)
    {
        var fields = descriptor.Fields.InFieldNumberOrder();
        var message = descriptor.Parser.ParseFrom(ByteString.Empty);
        var pairs = token.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToList();
        var named = pairs.All(p => p.Length == 2 && fields.Any(f => Names.Pascal(f.Name) == p[0]));
        if (named)
        {
            foreach (var p in pairs)
            {
                var field = fields.First(f => Names.Pascal(f.Name) == p[0]);
                field.Accessor.SetValue(message, p[1]);
            }

            yield return message;
            yield break;
        }

        foreach (var p in pairs)
        {
            if (p.Length != 2 || fields.Count != 2)
            {
                throw new CliUsageException($"'{token}' should look like {string.Join(",", fields.Select(f => Names.Pascal(f.Name) + "=..."))}.");
            }

            var item = descriptor.Parser.ParseFrom(ByteString.Empty);
            fields[0].Accessor.SetValue(item, p[0]);
            fields[1].Accessor.SetValue(item, p[1]);
            yield return item;
        }
    }
}
