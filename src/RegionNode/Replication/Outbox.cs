using Google.Protobuf;
using Grpc.Mrk.Cluster.Tracing;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Queues messages for other Regions. Messages that belong to a key change are queued by the key store inside that
/// change's transaction (through <see cref="OutgoingEnvelopes"/>); stand-alone ones by <see cref="SendAsync"/>.
/// </summary>
public sealed class Outbox(RelayStore store, OutgoingEnvelopes envelopes, TimeProvider time, EnvelopeTrace? trace = null)
{
    public event Action? Enqueued;

    /// <summary>Wakes the link to send what was just queued.</summary>
    public void NotifyEnqueued() => Enqueued?.Invoke();

    public async Task<string> SendAsync(string destination, string keyId, IMessage payload, WriteDurability durability, CancellationToken cancellationToken)
    {
        var message = new OutgoingMessage(destination, keyId, payload.Descriptor.FullName, payload.ToByteArray()) { TraceParent = trace?.Current() ?? string.Empty };
        var now = time.GetUtcNow();
        var messageId = await store.EnqueueAsync(destination, sequence => envelopes.Build(message, sequence, now), now, durability, cancellationToken)
            .ConfigureAwait(false);
        NotifyEnqueued();
        return messageId;
    }
}
