using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Replication;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

public sealed class EnvelopeSigningTests
{
    private static Envelope Sample() => new()
    {
        MessageId = "m-1",
        SourceRegion = "us-east-1",
        DestinationRegion = "eu-west-1",
        KeyId = "mrk-1234abcd12ab34cd56ef1234567890ab",
        Sequence = 7,
        SentAt = new Timestamp { Seconds = 1_790_000_000, Nanos = 123_456_789 },
        Kind = Probe.Descriptor.FullName,
        Payload = new Probe { Text = "p" }.ToByteString(),
    };

    /// <summary>The canonical encoding as docs/architecture.md documents it, written out independently.</summary>
    [Fact]
    public void CanonicalBytes_MatchTheDocumentedEncoding()
    {
        var e = Sample();
        var expected = new List<byte>(Encoding.ASCII.GetBytes("mrk/v1/replication-envelope\0"));
        foreach (var text in new[] { e.MessageId, e.SourceRegion, e.DestinationRegion, e.KeyId, e.Kind })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            expected.AddRange(BigEndian32(bytes.Length));
            expected.AddRange(bytes);
        }

        expected.AddRange(BigEndian64((long)e.Sequence));
        expected.AddRange(BigEndian64(e.SentAt.Seconds));
        expected.AddRange(BigEndian64(e.SentAt.Nanos));
        expected.AddRange(BigEndian32(e.Payload.Length));
        expected.AddRange(e.Payload.ToByteArray());
        Assert.Equal(expected.ToArray(), EnvelopeSigning.CanonicalBytes(e));

        // With trace context: behind a length of -1 (0xFFFFFFFF), then the traceparent, length-prefixed.
        e.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        expected.AddRange([0xFF, 0xFF, 0xFF, 0xFF]);
        expected.AddRange(BigEndian32(e.TraceParent.Length));
        expected.AddRange(Encoding.UTF8.GetBytes(e.TraceParent));
        Assert.Equal(expected.ToArray(), EnvelopeSigning.CanonicalBytes(e));
    }

    [Fact]
    public void Verify_AnyFieldChanged_Fails()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var envelope = Sample();
        EnvelopeSigning.Sign(envelope, key);
        Assert.True(EnvelopeSigning.Verify(envelope, key));
        var changes = new Action<Envelope>[]
        {
            x => x.MessageId = "m-2", x => x.SourceRegion = "eu-west-1", x => x.DestinationRegion = "ap-southeast-2",
            x => x.KeyId = "other", x => x.Sequence = 8, x => x.SentAt.Nanos++, x => x.Kind = "mrk.internal.v1.Other",
            x => x.Payload = ByteString.CopyFromUtf8("q"),
            x => x.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        foreach (var change in changes)
        {
            var altered = envelope.Clone();
            change(altered);
            Assert.False(EnvelopeSigning.Verify(altered, key));
        }
    }

    [Fact]
    public void Verify_TraceContextChangedOrRemoved_Fails()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var envelope = Sample();
        envelope.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        EnvelopeSigning.Sign(envelope, key);
        Assert.True(EnvelopeSigning.Verify(envelope, key));
        foreach (var other in new[] { string.Empty, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203332-01" })
        {
            var altered = envelope.Clone();
            altered.TraceParent = other;
            Assert.False(EnvelopeSigning.Verify(altered, key));
        }
    }

    private static byte[] BigEndian32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] BigEndian64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }
}
