using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>The outbox's envelopes from this Region: unsigned until the link sends them (<see cref="EnvelopeBatches"/>).</summary>
public sealed class OutgoingEnvelopes(string sourceRegion) : IEnvelopeBuilder
{
    public (string MessageId, byte[] Envelope) Build(OutgoingMessage message, ulong sequence, DateTimeOffset now)
    {
        var envelope = new Envelope
        {
            MessageId = message.MessageId ?? Guid.NewGuid().ToString("N"),
            SourceRegion = sourceRegion,
            DestinationRegion = message.DestinationRegion,
            KeyId = message.KeyId,
            Sequence = sequence,
            SentAt = Timestamp.FromDateTimeOffset(now),
            Kind = message.Kind,
            Payload = ByteString.CopyFrom(message.Payload),
            TraceParent = message.TraceParent,
        };
        return (envelope.MessageId, envelope.ToByteArray());
    }
}
