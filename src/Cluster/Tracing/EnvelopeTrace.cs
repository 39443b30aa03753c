using System.Diagnostics;
using Google.Protobuf;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.Cluster.Tracing;

/// <summary>
/// W3C trace context carried by relay envelopes (<c>Envelope.trace_parent</c>, signed with them), so a change made by one
/// call is one trace through the Region that made it, the ControlPlane and every Region it reaches. Each step starts a
/// span whose parent is the context the envelope carries; nothing happens, and nothing is parsed, when this process
/// does not trace. A context that is not a valid traceparent is ignored, never refused: it only ever affects tracing.
/// </summary>
public sealed class EnvelopeTrace(ActivitySource source)
{
    public const string MessagingSystem = "mrk.relay";

    /// <summary>Whether this process traces (an exporter listens to its spans).</summary>
    public bool Tracing => source.HasListeners();

    /// <summary>The current span's traceparent, to travel with a message queued now; empty when this process does not trace.</summary>
    public string Current() =>
        source.HasListeners() && Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } id } ? id : string.Empty;

    /// <summary>
    /// A span for one step of one message (<paramref name="operation"/>: send, store, deliver, process), the child of
    /// the context it carries; null when this process does not trace or the message carries no valid context.
    /// </summary>
    public Activity? Start(string operation, ActivityKind kind, Envelope message)
    {
        if (message.TraceParent.Length == 0 || !source.HasListeners()
            || !ActivityContext.TryParse(message.TraceParent, null, isRemote: true, out var parent))
        {
            return null;
        }

        var kindName = message.Kind[(message.Kind.LastIndexOf('.') + 1)..];
        var span = source.StartActivity($"{operation} {kindName}", kind, parent);
        span?.SetTag("messaging.system", MessagingSystem)
            .SetTag("messaging.operation.name", operation)
            .SetTag("messaging.message.id", message.MessageId)
            .SetTag("messaging.destination.name", message.DestinationRegion)
            .SetTag("mrk.source_region", message.SourceRegion)
            .SetTag("mrk.message.kind", kindName)
            .SetTag("mrk.key_id", message.KeyId);
        return span;
    }

    /// <summary>
    /// One span per message an envelope carries (its own, or each member's of a batch), for a step that handles the
    /// envelope as a whole (the ControlPlane storing or delivering it). Empty when this process does not trace.
    /// </summary>
    public Spans StartEach(string operation, ActivityKind kind, Envelope envelope)
    {
        if (!source.HasListeners())
        {
            return default;
        }

        IEnumerable<Envelope> messages = [envelope];
        if (envelope.Kind == Batch.Descriptor.FullName)
        {
            try
            {
                messages = Batch.Parser.ParseFrom(envelope.Payload).Members;
            }
            catch (InvalidProtocolBufferException)
            {
                // Not for the relay to judge: the destination refuses it. It is traced as one message.
            }
        }

        // Each span's parent is its message's context; none of them stays current for what the caller does next.
        var current = Activity.Current;
        var spans = new List<Activity>();
        foreach (var message in messages)
        {
            if (Start(operation, kind, message) is { } span)
            {
                spans.Add(span);
            }
        }

        Activity.Current = current;
        return new Spans(spans);
    }

    /// <summary>The spans of one envelope's step, ended together.</summary>
    public readonly struct Spans(List<Activity>? spans) : IDisposable
    {
        public void Fail(string reason)
        {
            foreach (var span in spans ?? [])
            {
                span.SetStatus(ActivityStatusCode.Error, reason);
            }
        }

        public void Dispose()
        {
            foreach (var span in spans ?? [])
            {
                span.Dispose();
            }
        }
    }
}
