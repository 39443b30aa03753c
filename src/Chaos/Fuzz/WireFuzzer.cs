using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Grpc.Mrk.Chaos.Fuzz;

/// <summary>
/// Makes request bodies for one message type at the protobuf wire level, so it can also produce what no generated
/// client would: invalid UTF-8 in strings, unknown enum numbers, fields with the wrong wire type, huge and empty
/// values, every shape of key ID and ARN, valid and bit-flipped ciphertexts; then, sometimes, flips, cuts or splices
/// the bytes; or sends pure noise.
/// </summary>
public sealed class WireFuzzer(Random random, IReadOnlyList<string> identifiers, IReadOnlyList<byte[]> blobs)
{
    private static readonly string[] NastyStrings =
    [
        "", " ", "\0", "alias/", "alias/aws/", "arn:", "arn:aws:kms:::", "mrk-", "mrk-00", "../../etc/passwd", "%00", "\u202e\u0000\uffff", "🔑",
        new string('a', 70_000), "key/", "*", "alias/aws/kms", "arn:aws:kms:us-east-1:111122223333:key/", "arn:aws-cn:kms:us-east-1:111122223333:key/x",
    ];

    public byte[] Next(MessageDescriptor descriptor)
    {
        var roll = random.NextDouble();
        if (roll < 0.05)
        {
            return Noise(random.Next(0, 4096));
        }

        var body = Message(descriptor, depth: 0);
        return roll < 0.35 ? Mutate(body) : body;
    }

    private byte[] Message(MessageDescriptor descriptor, int depth)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (random.NextDouble() < 0.3)
            {
                continue;
            }

            var repeats = field.IsRepeated || field.IsMap ? random.Next(0, 4) : random.NextDouble() < 0.05 ? 2 : 1;
            for (var i = 0; i < repeats; i++)
            {
                Field(output, field, depth);
            }
        }

        if (random.NextDouble() < 0.05)
        {
            // An unknown field number.
            output.WriteTag(random.Next(1000, 536_870_911), WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(Noise(random.Next(0, 64))));
        }

        output.Flush();
        return buffer.ToArray();
    }

    private void Field(CodedOutputStream output, FieldDescriptor field, int depth)
    {
        if (random.NextDouble() < 0.04)
        {
            // The wrong wire type for this field.
            output.WriteTag(field.FieldNumber, field.FieldType is FieldType.String or FieldType.Bytes or FieldType.Message
                ? WireFormat.WireType.Varint : WireFormat.WireType.LengthDelimited);
            if (field.FieldType is FieldType.String or FieldType.Bytes or FieldType.Message)
            {
                output.WriteInt64(random.NextInt64());
            }
            else
            {
                output.WriteBytes(ByteString.CopyFrom(Noise(random.Next(0, 32))));
            }

            return;
        }

        switch (field.FieldType)
        {
            case FieldType.String:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(Text()));
                break;
            case FieldType.Bytes:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(Blob()));
                break;
            case FieldType.Enum:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                var values = field.EnumType.Values;
                output.WriteInt32(random.NextDouble() < 0.7 ? values[random.Next(values.Count)].Number : Pick([-1, 99, 1000, int.MaxValue, int.MinValue]));
                break;
            case FieldType.Bool:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                output.WriteInt32(Pick([0, 1, 2, -1]));
                break;
            case FieldType.Int32 or FieldType.Int64 or FieldType.UInt32 or FieldType.UInt64 or FieldType.SInt32 or FieldType.SInt64:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                output.WriteInt64(Pick([0L, 1, 7, 30, 365, 1024, 4096, -1, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue]));
                break;
            case FieldType.Message when depth < 3:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(Message(field.MessageType, depth + 1)));
                break;
            default:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(Noise(random.Next(0, 16))));
                break;
        }
    }

    private byte[] Text()
    {
        var roll = random.NextDouble();
        if (roll < 0.45 && identifiers.Count > 0)
        {
            var id = identifiers[random.Next(identifiers.Count)];
            return Encoding.UTF8.GetBytes(random.NextDouble() < 0.2 ? Twist(id) : id);
        }

        if (roll < 0.75)
        {
            return Encoding.UTF8.GetBytes(NastyStrings[random.Next(NastyStrings.Length)]);
        }

        if (roll < 0.9)
        {
            // Not UTF-8 at all: lone continuation bytes, overlong forms, surrogates.
            return Pick([[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF, 0xFE], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], Noise(random.Next(1, 40))]);
        }

        return Encoding.UTF8.GetBytes(random.NextInt64().ToString("x", System.Globalization.CultureInfo.InvariantCulture));
    }

    private string Twist(string id) => random.Next(6) switch
    {
        0 => id.ToUpperInvariant(),
        1 => $" {id} ",
        2 => id[..random.Next(id.Length)],
        3 => id + id,
        4 => id.Replace('-', '_'),
        _ => id.Replace("us-east-1", "eu-central-9", StringComparison.Ordinal),
    };

    private byte[] Blob()
    {
        var roll = random.NextDouble();
        if (roll < 0.5 && blobs.Count > 0)
        {
            var blob = blobs[random.Next(blobs.Count)];
            return random.NextDouble() < 0.3 ? blob : Mutate(blob);
        }

        return roll < 0.6 ? [] : roll < 0.63 ? Noise(random.Next(100_000, 300_000)) : Noise(random.Next(1, 8192));
    }

    private byte[] Mutate(byte[] bytes)
    {
        var result = bytes.ToArray();
        switch (random.Next(4))
        {
            case 0 when result.Length > 0:
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    var at = random.Next(result.Length);
                    result[at] ^= (byte)(1 << random.Next(8));
                }

                return result;
            case 1 when result.Length > 0:
                return result[..random.Next(result.Length)];
            case 2:
                return [.. result, .. Noise(random.Next(1, 64))];
            default:
                var insertAt = result.Length == 0 ? 0 : random.Next(result.Length);
                return [.. result[..insertAt], .. Noise(random.Next(1, 16)), .. result[insertAt..]];
        }
    }

    private byte[] Noise(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(T[] choices) => choices[random.Next(choices.Length)];
}
