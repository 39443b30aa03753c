using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>Turns an outgoing message into a signed envelope once its sequence number is allocated.</summary>
public interface IEnvelopeSealer
{
    (string MessageId, byte[] Envelope) Seal(OutgoingMessage message, ulong sequence, DateTimeOffset now);
}
