using Google.Protobuf;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Hosting;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Hands one kind of verified replication envelope to the domain. A malformed payload or one the domain refuses is
/// logged and dropped (never retried: it would fail the same way); storage failures propagate so the envelope is
/// delivered again.
/// </summary>
public sealed class ReplicationHandler(string kind, ReplicationReceiver receiver, ILogger<ReplicationHandler> logger) : IEnvelopeHandler
{
    public string Kind => kind;

    public async Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        string? ignored;
        try
        {
            var message = ReplicationCodec.Decode(envelope.Kind, envelope.Payload, envelope.MessageId);
            ignored = await receiver.ReceiveAsync(envelope.SourceRegion, envelope.KeyId, message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException or KmsException or System.Security.Cryptography.CryptographicException)
        {
            ignored = $"refused: {e.Message}";
        }

        if (ignored is null)
        {
            Log.ReplicationApplied(logger, ShortKind(envelope.Kind), envelope.KeyId, envelope.SourceRegion);
        }
        else
        {
            Log.ReplicationIgnored(logger, ShortKind(envelope.Kind), envelope.KeyId, envelope.SourceRegion, ignored);
        }
    }

    private static string ShortKind(string kind) => kind[(kind.LastIndexOf('.') + 1)..];
}
