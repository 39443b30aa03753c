using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Signs envelopes for other Regions and stores them durably until the ControlPlane has them.</summary>
public sealed class Outbox(RelayStore store, ReplicationIdentity identity, TimeProvider time)
{
    public event Action? Enqueued;

    public async Task<Envelope> SendAsync(string destination, string keyId, IMessage payload, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var envelope = await store.EnqueueAsync(destination, sequence =>
        {
            var envelope = new Envelope
            {
                MessageId = Guid.NewGuid().ToString("N"),
                SourceRegion = identity.Region,
                DestinationRegion = destination,
                KeyId = keyId,
                Sequence = sequence,
                SentAt = Timestamp.FromDateTimeOffset(now),
                Kind = payload.Descriptor.FullName,
                Payload = payload.ToByteString(),
            };
            EnvelopeSigning.Sign(envelope, identity.SigningKey);
            return (envelope.MessageId, envelope, envelope.ToByteArray());
        }, now, cancellationToken).ConfigureAwait(false);
        Enqueued?.Invoke();
        return envelope;
    }
}
