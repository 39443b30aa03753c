using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// What an audit digest signs (ECDSA P-384, SHA-384, DER): the label "mrk/v1/audit-digest\0", the Region (UTF-8,
/// length-prefixed), the sequence number of the last record it seals and its creation time in UTC ticks (64-bit
/// big-endian each), and that record's 32-byte hash. The Region signs; the Region, the ControlPlane that keeps copies,
/// and anyone with the public key verify.
/// </summary>
public static class AuditDigestSignature
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

    public static byte[] Sign(ECDsa key, string region, long sequence, byte[] hash, DateTimeOffset createdAt) =>
        key.SignData(SignedBytes(region, sequence, hash, createdAt), HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence);

    public static bool Verifies(ECDsa key, string region, long sequence, byte[] hash, DateTimeOffset createdAt, byte[] signature) =>
        hash.Length == 32 && key.VerifyData(SignedBytes(region, sequence, hash, createdAt), signature, HashAlgorithmName.SHA384,
            DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>A P-384 public key from its SubjectPublicKeyInfo, or null when the bytes are not one.</summary>
    public static ECDsa? PublicKey(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out var read);
            if (read == subjectPublicKeyInfo.Length && key.KeySize == 384)
            {
                return key;
            }
        }
        catch (CryptographicException)
        {
            // Not a key: refused below.
        }

        key.Dispose();
        return null;
    }
}
