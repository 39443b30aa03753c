using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Signs envelopes for other Regions. Messages that belong to a key change are sealed by the key store inside that
/// change's transaction (<see cref="IEnvelopeSealer"/>); stand-alone ones are queued by <see cref="SendAsync"/>.
/// </summary>
public sealed class Outbox(RelayStore store, ReplicationIdentity identity, TimeProvider time) : IEnvelopeSealer
{
    public event Action? Enqueued;

    public (string MessageId, byte[] Envelope) Seal(OutgoingMessage message, ulong sequence, DateTimeOffset now)
    {
        var envelope = new Envelope
        {
            MessageId = message.MessageId ?? Guid.NewGuid().ToString("N"),
            SourceRegion = identity.Region,
            DestinationRegion = message.DestinationRegion,
            KeyId = message.KeyId,
            Sequence = sequence,
            SentAt = Timestamp.FromDateTimeOffset(now),
            Kind = message.Kind,
            Payload = ByteString.CopyFrom(message.Payload),
        };
        EnvelopeSigning.Sign(envelope, identity.SigningKey);
        return (envelope.MessageId, envelope.ToByteArray());
    }

    /// <summary>Wakes the link to send what was just queued.</summary>
    public void NotifyEnqueued() => Enqueued?.Invoke();

    public async Task<string> SendAsync(string destination, string keyId, IMessage payload, CancellationToken cancellationToken)
    {
        var message = new OutgoingMessage(destination, keyId, payload.Descriptor.FullName, payload.ToByteArray());
        var now = time.GetUtcNow();
        var messageId = await store.EnqueueAsync(destination, sequence => Seal(message, sequence, now), now, cancellationToken).ConfigureAwait(false);
        NotifyEnqueued();
        return messageId;
    }
}
