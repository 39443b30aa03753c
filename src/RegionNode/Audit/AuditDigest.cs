using System.Buffers.Binary;
using System.Text;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// What an audit digest signs (ECDSA P-384, SHA-384, DER): the label "mrk/v1/audit-digest\0", the Region (UTF-8,
/// length-prefixed), the sequence number of the last record it seals and its creation time in UTC ticks (64-bit
/// big-endian each), and that record's 32-byte hash.
/// </summary>
public static class AuditDigest
{
    public static byte[] SignedBytes(string region, long sequence, byte[] hash, DateTimeOffset createdAt)
    {
        var label = Encoding.ASCII.GetBytes("mrk/v1/audit-digest\0");
        var regionBytes = Encoding.UTF8.GetBytes(region);
        var buffer = new byte[label.Length + 4 + regionBytes.Length + 8 + 8 + hash.Length];
        var span = buffer.AsSpan();
        label.CopyTo(span);
        span = span[label.Length..];
        BinaryPrimitives.WriteInt32BigEndian(span, regionBytes.Length);
        regionBytes.CopyTo(span[4..]);
        span = span[(4 + regionBytes.Length)..];
        BinaryPrimitives.WriteInt64BigEndian(span, sequence);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], createdAt.UtcTicks);
        hash.CopyTo(span[16..]);
        return buffer;
    }
}
