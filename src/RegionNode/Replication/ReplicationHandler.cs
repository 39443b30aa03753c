using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Hands one kind of verified replication envelope to the domain and logs what became of it. A payload that does not
/// decode, or any other failure, propagates to the <see cref="Inbox"/>, which sets the envelope aside.
/// </summary>
public sealed class ReplicationHandler(string kind, ReplicationReceiver receiver, KeyDeliveries deliveries, ILogger<ReplicationHandler> logger,
    Telemetry.NodeMetrics? metrics = null)
    : IEnvelopeHandler
{
    public string Kind => kind;

    public async Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        var message = ReplicationCodec.Decode(envelope.Kind, envelope.Payload, envelope.MessageId);
        // Only the primary's messages about a replica's material carry any; a delivery on another kind is not opened.
        var delivered = message is MaterialCarrier ? deliveries.Open(envelope) : null;
        ReceiveOutcome outcome;
        try
        {
            outcome = await receiver.ReceiveAsync(envelope.SourceRegion, envelope.KeyId,
                message is MaterialCarrier carrier ? carrier with { Delivered = delivered } : message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, material) in delivered ?? [])
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(material);
            }
        }

        var shortKind = envelope.Kind[(envelope.Kind.LastIndexOf('.') + 1)..];
        var keyId = LogText.Safe(envelope.KeyId);
        if (outcome.Applied)
        {
            Log.ReplicationApplied(logger, shortKind, keyId, envelope.SourceRegion);
        }
        else if (outcome.Refused)
        {
            Log.ReplicationRefused(logger, shortKind, keyId, envelope.SourceRegion, LogText.Safe(outcome.Reason ?? string.Empty));
        }
        else
        {
            Log.ReplicationIgnored(logger, shortKind, keyId, envelope.SourceRegion, LogText.Safe(outcome.Reason ?? string.Empty));
        }

        metrics?.Envelope(envelope.SourceRegion, shortKind, outcome.Applied ? "applied" : outcome.Refused ? "refused" : "ignored",
            envelope.SentAt?.ToDateTimeOffset());
    }
}
