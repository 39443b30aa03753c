using System.Collections.Concurrent;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Keeps the probes received since the node started (they carry no key data), for diagnostics and tests.</summary>
public sealed class ProbeHandler : IEnvelopeHandler
{
    public string Kind => Probe.Descriptor.FullName;

    public ConcurrentQueue<(string MessageId, string Source, string Text)> Received { get; } = new();

    public Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        Received.Enqueue((envelope.MessageId, envelope.SourceRegion, Probe.Parser.ParseFrom(envelope.Payload).Text));
        return Task.CompletedTask;
    }
}
