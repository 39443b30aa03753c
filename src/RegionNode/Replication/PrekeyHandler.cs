using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Takes the transport prekeys another Region published for this one (<see cref="KeyDeliveries"/>).</summary>
public sealed class PrekeyHandler(KeyDeliveries deliveries) : IEnvelopeHandler
{
    public string Kind => TransportPrekeys.Descriptor.FullName;

    public Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken) =>
        deliveries.ReceivePrekeysAsync(envelope.SourceRegion, TransportPrekeys.Parser.ParseFrom(envelope.Payload), cancellationToken);
}
