using System.Buffers.Binary;
using System.Text;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// The explicit encoding the cluster signs its small statements in (hand-offs, break-glass orders): an ASCII label,
/// each text as a uint32 BE length and its UTF-8 bytes, then each number as an int64 BE. Every implementation computes
/// the same bytes from the documented fields.
/// </summary>
public static class SignedFields
{
    public static byte[] Encode(string label, IEnumerable<string> texts, params long[] numbers)
    {
        using var buffer = new MemoryStream();
        buffer.Write(Encoding.ASCII.GetBytes(label));
        Span<byte> length = stackalloc byte[4];
        foreach (var text in texts)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        Span<byte> number = stackalloc byte[8];
        foreach (var value in numbers)
        {
            BinaryPrimitives.WriteInt64BigEndian(number, value);
            buffer.Write(number);
        }

        return buffer.ToArray();
    }
}
