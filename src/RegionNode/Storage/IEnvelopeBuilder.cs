using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// Turns an outgoing message into the envelope the outbox keeps, once its sequence number is allocated. Envelopes are
/// signed when the link sends them, one signature per batch.
/// </summary>
public interface IEnvelopeBuilder
{
    (string MessageId, byte[] Envelope) Build(OutgoingMessage message, ulong sequence, DateTimeOffset now);
}
