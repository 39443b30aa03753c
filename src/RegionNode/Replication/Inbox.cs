using System.Diagnostics;
using Google.Protobuf;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Cluster.Tracing;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// The gate every delivered envelope passes: addressed to this Region, signed by its source Region's replication
/// signing key, newer than the last one applied from that source. Refused envelopes are logged and dropped (they are
/// still acknowledged, so a forgery cannot block the queue); accepted ones go to the handler of their kind. One that
/// fails to apply for any reason but the store itself (a payload that does not decode, a bug) is set aside in the
/// dead-letter table, logged and audited, and acknowledged, so the queue behind it moves on; a store failure leaves
/// it to be delivered again.
/// </summary>
public sealed class Inbox(RelayStore store, ReplicationIdentity identity, IEnumerable<IEnvelopeHandler> handlers, IAuditSink audit,
    Domain.Model.RegionIdentity region, ILogger<Inbox> logger, KeyDeliveries? deliveries = null, Telemetry.NodeMetrics? metrics = null,
    EnvelopeTrace? trace = null, SequenceFloors? floors = null)
{
    private readonly Dictionary<string, IEnvelopeHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);

    /// <summary>Raised after an envelope was set aside, with the table's new size (the link reports it to the ControlPlane).</summary>
    public event Action<int>? DeadLettered;

    /// <summary>Keys whose messages in one batch are applied at the same time; each key's own messages stay in order.</summary>
    public const int ParallelKeys = 8;

    public async Task ReceiveAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var problem = Problem(envelope);
        Batch? batch = null;
        if (problem is null && envelope.Kind == EnvelopeBatches.Kind)
        {
            try
            {
                batch = Batch.Parser.ParseFrom(envelope.Payload);
                problem = EnvelopeBatches.MembersProblem(envelope, batch, _handlers.ContainsKey);
            }
            catch (InvalidProtocolBufferException)
            {
                problem = "the batch does not decode";
            }
        }

        if (problem is not null)
        {
            // A forgery or a misrouting got past the ControlPlane: refused, and recorded as a refused internal event.
            Log.EnvelopeRejected(logger, LogText.Safe(envelope.MessageId), LogText.Safe(envelope.SourceRegion), LogText.Safe(problem));
            audit.Record(new AuditEvent("ReceiveEnvelope", AuditEvent.ServiceEvent, null, null, false,
                new Dictionary<string, object?> { ["sourceRegion"] = LogText.Safe(envelope.SourceRegion), ["messageId"] = LogText.Safe(envelope.MessageId) },
                null, "AccessDeniedException", LogText.Safe(problem)));
            // Counted under its source only when that names a Region this one knows: a metric label must not be the sender's to choose.
            metrics?.Envelope(identity.PeerSigningKey(envelope.SourceRegion) is null ? "unknown" : envelope.SourceRegion, "Envelope", "refused");
            return;
        }

        // Outside the sequence: a question or an answer about where the sequence stands after a rejoin.
        if (floors is not null && SequenceFloors.IsUnsequenced(envelope.Kind))
        {
            await floors.ReceiveAsync(envelope, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Handlers are idempotent and commit their own changes; the sequence is recorded after them, so a crash in
        // between means one harmless redelivery, while a replayed older envelope (or batch member) is refused here.
        var lastApplied = await store.LastAppliedAsync(envelope.SourceRegion, cancellationToken).ConfigureAwait(false);
        var members = batch is null ? [envelope] : batch.Members.Where(m => m.Sequence > lastApplied).ToList();
        if (envelope.Sequence <= lastApplied || members.Count == 0)
        {
            Log.EnvelopeRejected(logger, LogText.Safe(envelope.MessageId), LogText.Safe(envelope.SourceRegion), $"sequence {envelope.Sequence} already applied (replay or redelivery)");
            metrics?.Envelope(envelope.SourceRegion, "Envelope", "duplicate");
            return;
        }

        // Messages about different keys do not depend on each other: they apply side by side, each key's in order.
        try
        {
            await Parallel.ForEachAsync(members.GroupBy(m => m.KeyId, StringComparer.Ordinal),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelKeys, CancellationToken = cancellationToken },
                async (sameKey, token) =>
                {
                    foreach (var member in sameKey)
                    {
                        await ApplyAsync(member, token).ConfigureAwait(false);
                    }
                }).ConfigureAwait(false);
            await store.MarkAppliedAsync(envelope.SourceRegion, envelope.Sequence, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The batch's key and the prekey it used are gone from here on, applied or not.
            if (deliveries is not null)
            {
                await deliveries.EndOfEnvelopeAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        // Current while the handler runs: what it queues for other Regions (a SyncAck, a KeyRequest) continues this trace.
        using var span = trace?.Start("process", ActivityKind.Consumer, envelope);
        try
        {
            await _handlers[envelope.Kind].ApplyAsync(envelope, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception failure) when (!StoreUnavailable(failure))
        {
            span?.SetStatus(ActivityStatusCode.Error, "dead-lettered");
            await SetAsideAsync(envelope, failure, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The store could not be written for now (busy, locked, out of memory, an I/O error, a full disk): the envelope is
    /// fine and is delivered again. Anything else (a payload that does not decode, which throws an IOException subtype,
    /// a constraint a bug broke) would fail the same way every time, so it is set aside.
    /// </summary>
    private static bool StoreUnavailable(Exception failure) =>
        failure is SqliteException { SqliteErrorCode: 5 or 6 or 7 or 10 or 13 or 14 or 15 };

    /// <summary>How many envelopes are set aside now.</summary>
    public Task<int> DeadLetterCountAsync(CancellationToken cancellationToken) => store.DeadLetterCountAsync(cancellationToken);

    private async Task SetAsideAsync(Envelope envelope, Exception failure, CancellationToken cancellationToken)
    {
        var reason = LogText.Safe($"{failure.GetType().Name}: {failure.Message}");
        reason = reason.Length > 500 ? reason[..500] + "..." : reason;
        var kind = envelope.Kind[(envelope.Kind.LastIndexOf('.') + 1)..];
        await store.DeadLetterAsync(envelope.MessageId, envelope.SourceRegion, envelope.Sequence, envelope.Kind, envelope.KeyId, reason,
            envelope.ToByteArray(), cancellationToken).ConfigureAwait(false);
        Log.EnvelopeDeadLettered(logger, LogText.Safe(envelope.MessageId), LogText.Safe(kind), envelope.SourceRegion, reason);
        audit.Record(new AuditEvent($"Receive{kind}", AuditEvent.ServiceEvent, null,
            Domain.Operations.KeyReference.IsKeyId(envelope.KeyId) ? region.KeyArn(envelope.KeyId) : null, false,
            new Dictionary<string, object?> { ["sourceRegion"] = envelope.SourceRegion, ["messageId"] = LogText.Safe(envelope.MessageId), ["deadLettered"] = true },
            null, "KMSInternalException", reason));
        metrics?.Envelope(envelope.SourceRegion, kind, "dead_lettered");
        DeadLettered?.Invoke(await store.DeadLetterCountAsync(cancellationToken).ConfigureAwait(false));
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

        return envelope.Kind == EnvelopeBatches.Kind || _handlers.ContainsKey(envelope.Kind) || (floors is not null && SequenceFloors.IsUnsequenced(envelope.Kind))
            ? null : $"unknown kind {envelope.Kind}";
    }
}
