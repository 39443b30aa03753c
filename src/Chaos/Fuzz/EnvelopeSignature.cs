using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.Chaos.Fuzz;

/// <summary>
/// Signs a replication envelope as a Region does (ECDSA P-384 over SHA-384 of the documented canonical encoding:
/// "mrk/v1/replication-envelope\0", then message ID, source, destination, key ID and kind each as uint32 BE length +
/// UTF-8, then sequence, sent-at seconds and nanos as 64-bit BE, then the payload length-prefixed, then when the
/// envelope carries material its prekey ID, sender key, a uint32 BE count and each version's ID, nonce and ciphertext,
/// each length-prefixed), written here from
/// the documentation rather than shared with the product, so a forged frame is built the way an outsider would.
/// </summary>
public static class EnvelopeSignature
{
    public static void Sign(Envelope envelope, ECDsa key)
    {
        using var buffer = new MemoryStream();
        buffer.Write(Encoding.ASCII.GetBytes("mrk/v1/replication-envelope\0"));
        foreach (var text in new[] { envelope.MessageId, envelope.SourceRegion, envelope.DestinationRegion, envelope.KeyId, envelope.Kind })
        {
            Field(buffer, Encoding.UTF8.GetBytes(text));
        }

        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(number, envelope.Sequence);
        buffer.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, envelope.SentAt?.Seconds ?? 0);
        buffer.Write(number);
        BinaryPrimitives.WriteInt64BigEndian(number, envelope.SentAt?.Nanos ?? 0);
        buffer.Write(number);
        Field(buffer, envelope.Payload.ToByteArray());
        if (envelope.Delivery is { } delivery)
        {
            Field(buffer, Encoding.UTF8.GetBytes(delivery.PrekeyId));
            Field(buffer, delivery.SenderPublicKey.ToByteArray());
            BinaryPrimitives.WriteInt32BigEndian(number, delivery.Materials.Count);
            buffer.Write(number[..4]);
            foreach (var material in delivery.Materials)
            {
                Field(buffer, Encoding.UTF8.GetBytes(material.MaterialId));
                Field(buffer, material.Nonce.ToByteArray());
                Field(buffer, material.Ciphertext.ToByteArray());
            }
        }

        if (envelope.TraceParent.Length > 0)
        {
            buffer.Write([0xFF, 0xFF, 0xFF, 0xFF]);
            Field(buffer, Encoding.UTF8.GetBytes(envelope.TraceParent));
        }

        envelope.Signature = Google.Protobuf.ByteString.CopyFrom(key.SignData(buffer.ToArray(), HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));
    }

    private static void Field(Stream stream, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }
}
