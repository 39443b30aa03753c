using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Hosting;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// The gate every delivered envelope passes: addressed to this Region, signed by its source Region's replication
/// signing key, newer than the last one applied from that source. Refused envelopes are logged and dropped (they are
/// still acknowledged, so a forgery cannot block the queue); accepted ones go to the handler of their kind.
/// </summary>
public sealed class Inbox(RelayStore store, ReplicationIdentity identity, IEnumerable<IEnvelopeHandler> handlers, ILogger<Inbox> logger)
{
    private readonly Dictionary<string, IEnvelopeHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);

    public async Task ReceiveAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var problem = Problem(envelope);
        if (problem is not null)
        {
            Log.EnvelopeRejected(logger, LogText.Safe(envelope.MessageId), LogText.Safe(envelope.SourceRegion), LogText.Safe(problem));
            return;
        }

        // Handlers are idempotent and commit their own changes; the sequence is recorded after them, so a crash in
        // between means one harmless redelivery, while a replayed older envelope is refused here.
        if (!await store.IsNewAsync(envelope.SourceRegion, envelope.Sequence, cancellationToken).ConfigureAwait(false))
        {
            Log.EnvelopeRejected(logger, LogText.Safe(envelope.MessageId), LogText.Safe(envelope.SourceRegion), $"sequence {envelope.Sequence} already applied (replay or redelivery)");
            return;
        }

        await _handlers[envelope.Kind].ApplyAsync(envelope, cancellationToken).ConfigureAwait(false);
        await store.MarkAppliedAsync(envelope.SourceRegion, envelope.Sequence, cancellationToken).ConfigureAwait(false);
    }

    private string? Problem(Envelope envelope)
    {
        if (envelope.DestinationRegion != identity.Region)
        {
            return $"addressed to {envelope.DestinationRegion}, not {identity.Region} (misrouted)";
        }

        var key = identity.PeerSigningKey(envelope.SourceRegion);
        if (key is null)
        {
            return $"no trusted replication signing certificate for {envelope.SourceRegion}";
        }

        if (envelope.Signature.IsEmpty || !EnvelopeSigning.Verify(envelope, key))
        {
            return "signature does not verify (forged or altered)";
        }

        return _handlers.ContainsKey(envelope.Kind) ? null : $"unknown kind {envelope.Kind}";
    }
}
