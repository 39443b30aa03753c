using System.Collections.Concurrent;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Keeps the latest probes received since the node started (they carry no key data), for diagnostics and tests.</summary>
public sealed class ProbeHandler : IEnvelopeHandler
{
    /// <summary>How many probes are kept; older ones are dropped, so a flood of probes costs bounded memory.</summary>
    public const int Kept = 1000;

    public string Kind => Probe.Descriptor.FullName;

    public ConcurrentQueue<(string MessageId, string Source, string Text)> Received { get; } = new();

    public Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        // A payload that does not parse throws here; the inbox sets the envelope aside.
        var text = Probe.Parser.ParseFrom(envelope.Payload).Text;
        Received.Enqueue((envelope.MessageId, envelope.SourceRegion, text.Length > 1024 ? text[..1024] : text));
        while (Received.Count > Kept && Received.TryDequeue(out _))
        {
        }

        return Task.CompletedTask;
    }
}
