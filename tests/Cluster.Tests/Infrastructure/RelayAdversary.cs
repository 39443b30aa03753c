using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Net.Client;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// Someone holding one Region's real certificates (its TLS certificate and its replication signing key, as on a
/// compromised host) talking to the ControlPlane as that Region: it signs whatever it likes, the way the documented
/// encodings say (written here independently of the product's code), sends it, and reads what is delivered to it.
/// </summary>
public sealed class RelayAdversary : IDisposable
{
    private readonly ClusterLayout _certificates;
    private readonly Uri _controlPlane;
    private readonly ECDsa _signingKey;
    private ulong _sequence;

    public RelayAdversary(Uri controlPlane, ClusterLayout certificates, string region, ulong firstSequence = 1)
    {
        _controlPlane = controlPlane;
        _certificates = certificates;
        Region = region;
        using var signing = ClusterPki.Load(certificates.SigningCertificate(region), certificates.SigningKey(region));
        _signingKey = signing.GetECDsaPrivateKey()!;
        _sequence = firstSequence - 1;
    }

    public string Region { get; }

    /// <summary>An envelope from this Region to <paramref name="destination"/> with the next sequence, signed with the Region's real key.</summary>
    public Envelope Envelope(string destination, string keyId, IMessage payload) => Envelope(destination, keyId, payload.Descriptor.FullName, payload.ToByteString());

    public Envelope Envelope(string destination, string keyId, string kind, ByteString payload)
    {
        var envelope = new Envelope
        {
            MessageId = Guid.NewGuid().ToString("N"),
            SourceRegion = Region,
            DestinationRegion = destination,
            KeyId = keyId,
            Sequence = ++_sequence,
            SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Kind = kind,
            Payload = payload,
        };
        Sign(envelope, _signingKey);
        return envelope;
    }

    /// <summary>A hand-off of the primary role signed with this Region's real key, naming whichever Regions it likes.</summary>
    public HandOff HandOff(string keyId, long epoch, string previousPrimary, string newPrimary, string requestedBy = "kms.amazonaws.com")
    {
        using var buffer = new MemoryStream();
        buffer.Write("mrk/v1/hand-off\0"u8);
        foreach (var text in new[] { keyId, previousPrimary, newPrimary, requestedBy })
        {
            Field(buffer, Encoding.UTF8.GetBytes(text));
        }

        Int64(buffer, epoch);
        return new HandOff
        {
            Epoch = epoch, PreviousPrimary = previousPrimary, NewPrimary = newPrimary, RequestedBy = requestedBy,
            Signature = ByteString.CopyFrom(_signingKey.SignData(buffer.ToArray(), HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence)),
        };
    }

    /// <summary>Sends the envelopes on one relay stream and waits until the ControlPlane has stored each one it accepts.</summary>
    public async Task SendAsync(IReadOnlyList<Envelope> envelopes)
    {
        using var channel = Channel();
        using var call = new Relay.RelayClient(channel).Connect(deadline: Deadline.Soon);
        foreach (var envelope in envelopes)
        {
            await call.RequestStream.WriteAsync(new RegionFrame { Send = envelope }).WithTimeout();
        }

        var expected = envelopes.Count(e => e.SourceRegion == Region);
        var stored = 0;
        while (stored < expected && await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout())
        {
            if (call.ResponseStream.Current.FrameCase == ControlPlaneFrame.FrameOneofCase.Stored)
            {
                stored++;
            }
        }

        await call.RequestStream.CompleteAsync().WithTimeout();
    }

    /// <summary>Sends a frame as this Region (a key census, audit briefs), then keeps the stream open for <paramref name="hold"/> so the ControlPlane reads it.</summary>
    public async Task ReportAsync(RegionFrame frame, TimeSpan hold)
    {
        using var channel = Channel();
        using var call = new Relay.RelayClient(channel).Connect(deadline: DateTime.UtcNow.Add(hold + TimeSpan.FromSeconds(10)));
        await call.RequestStream.WriteAsync(frame).WithTimeout();
        await Task.Delay(hold);
        await call.RequestStream.CompleteAsync().WithTimeout();
    }

    /// <summary>Publishes audit digests as this Region; true when the ControlPlane confirms keeping them within <paramref name="wait"/>.</summary>
    public async Task<bool> PublishDigestsAsync(PublishedAuditDigests digests, TimeSpan wait)
    {
        using var channel = Channel();
        using var call = new Relay.RelayClient(channel).Connect(deadline: DateTime.UtcNow.Add(wait + TimeSpan.FromSeconds(10)));
        await call.RequestStream.WriteAsync(new RegionFrame { Digests = digests }).WithTimeout();
        using var quiet = new CancellationTokenSource(wait);
        try
        {
            while (await call.ResponseStream.MoveNext(quiet.Token))
            {
                if (call.ResponseStream.Current.FrameCase == ControlPlaneFrame.FrameOneofCase.DigestsStored)
                {
                    return true;
                }
            }
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled)
        {
            // Nothing confirmed in time.
        }

        return false;
    }

    /// <summary>
    /// Everything the ControlPlane delivers to this Region within <paramref name="quiet"/> of the last delivery (never
    /// acknowledged), with each batch's members in its place.
    /// </summary>
    public async Task<IReadOnlyList<Envelope>> InboxAsync(TimeSpan quiet)
    {
        using var channel = Channel();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var call = new Relay.RelayClient(channel).Connect(cancellationToken: stop.Token);
        await call.RequestStream.WriteAsync(new RegionFrame()).WithTimeout();
        var delivered = new List<Envelope>();
        while (true)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            wait.CancelAfter(quiet);
            try
            {
                if (!await call.ResponseStream.MoveNext(wait.Token))
                {
                    break;
                }
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled)
            {
                break;
            }

            if (call.ResponseStream.Current.FrameCase == ControlPlaneFrame.FrameOneofCase.Deliver)
            {
                // A batch's messages count one by one: what it carries is what was delivered.
                var envelope = call.ResponseStream.Current.Deliver;
                delivered.AddRange(envelope.Kind == Batch.Descriptor.FullName ? Batch.Parser.ParseFrom(envelope.Payload).Members : [envelope]);
            }
        }

        return delivered;
    }

    /// <summary>The documented canonical encoding of an envelope, signed as a Region signs it.</summary>
    public static void Sign(Envelope e, ECDsa key)
    {
        using var buffer = new MemoryStream();
        buffer.Write("mrk/v1/replication-envelope\0"u8);
        foreach (var text in new[] { e.MessageId, e.SourceRegion, e.DestinationRegion, e.KeyId, e.Kind })
        {
            Field(buffer, Encoding.UTF8.GetBytes(text));
        }

        Int64(buffer, (long)e.Sequence);
        Int64(buffer, e.SentAt.Seconds);
        Int64(buffer, e.SentAt.Nanos);
        Field(buffer, e.Payload.ToByteArray());
        e.Signature = ByteString.CopyFrom(key.SignData(buffer.ToArray(), HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));
    }

    private GrpcChannel Channel()
    {
        var certificate = ClusterPki.Load(_certificates.RegionCertificate(Region), _certificates.RegionKey(Region));
        var handler = ClusterHandlers.Create(certificate, ClusterHandlers.IssuedBy(CertificateFiles.LoadCertificate(_certificates.AuthorityCertificate)));
        return GrpcChannel.ForAddress(_controlPlane, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private static void Field(Stream stream, byte[] bytes)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }

    private static void Int64(Stream stream, long value)
    {
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, value);
        stream.Write(number);
    }

    public void Dispose() => _signingKey.Dispose();
}
