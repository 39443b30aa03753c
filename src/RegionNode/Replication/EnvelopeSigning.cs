using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Signatures over replication envelopes with a Region's ECDSA P-384 replication signing key. What is signed is an
/// explicit encoding of fields 1-8 and, when present, the delivery (field 10) and the trace context (field 11), each
/// length-prefixed, not a protobuf serialization, so every implementation computes the same bytes.
/// </summary>
public static class EnvelopeSigning
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("mrk/v1/replication-envelope\0");

    public static byte[] CanonicalBytes(Envelope envelope)
    {
        using var buffer = new MemoryStream();
        buffer.Write(Label);
        foreach (var text in new[] { envelope.MessageId, envelope.SourceRegion, envelope.DestinationRegion, envelope.KeyId, envelope.Kind })
        {
            WriteField(buffer, Encoding.UTF8.GetBytes(text));
        }

        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(number, envelope.Sequence);
        buffer.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, envelope.SentAt?.Seconds ?? 0);
        buffer.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, envelope.SentAt?.Nanos ?? 0);
        buffer.Write(number);
        WriteField(buffer, envelope.Payload.Span);
        if (envelope.Delivery is { } delivery)
        {
            // Only an envelope that carries material has these bytes: every field before is length-prefixed, so the
            // two forms cannot be confused, and an envelope without material signs exactly as before.
            WriteField(buffer, Encoding.UTF8.GetBytes(delivery.PrekeyId));
            WriteField(buffer, delivery.SenderPublicKey.Span);
            BinaryPrimitives.WriteInt32BigEndian(number, delivery.Materials.Count);
            buffer.Write(number[..4]);
            foreach (var material in delivery.Materials)
            {
                WriteField(buffer, Encoding.UTF8.GetBytes(material.MaterialId));
                WriteField(buffer, material.Nonce.Span);
                WriteField(buffer, material.Ciphertext.Span);
            }
        }

        if (envelope.TraceParent.Length > 0)
        {
            // Behind a length no field can have (-1): it cannot be read as the start of a delivery, and an envelope
            // without trace context signs exactly as before.
            BinaryPrimitives.WriteInt32BigEndian(number, -1);
            buffer.Write(number[..4]);
            WriteField(buffer, Encoding.UTF8.GetBytes(envelope.TraceParent));
        }

        return buffer.ToArray();
    }

    public static void Sign(Envelope envelope, ECDsa signingKey) =>
        envelope.Signature = Google.Protobuf.ByteString.CopyFrom(
            signingKey.SignData(CanonicalBytes(envelope), HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));

    public static bool Verify(Envelope envelope, ECDsa publicKey) =>
        publicKey.VerifyData(CanonicalBytes(envelope), envelope.Signature.Span, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence);

    private static void WriteField(Stream stream, ReadOnlySpan<byte> bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }
}
