using System.Collections.Concurrent;
using Grpc.Mrk.Internal.V1;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Grpc.Mrk.ControlPlane.Storage.JetStream;

/// <summary>
/// The queue in the replicated log: one subject per destination Region in one stream kept on every log node. An
/// envelope is acknowledged to its sender once the log has it on a majority of its nodes; a resend of the same message
/// within <see cref="RelayLog.DuplicateWindow"/> is dropped by the log itself. Delivery reads a destination's subject
/// in stream order from the oldest envelope left, whichever replica stored it, and an acknowledged envelope is deleted.
/// </summary>
public sealed class JetStreamRelayQueue(RelayLog log) : IRelayQueue
{
    /// <summary>Envelopes delivered from this replica and not yet acknowledged: message ID to stream position.</summary>
    private readonly ConcurrentDictionary<(string Destination, string MessageId), ulong> _delivered = new();

    private INatsJSStream? _stream;

    public string Describe => $"nats:{string.Join(",", log.Settings.Servers)} (replica {log.Settings.ReplicaName})";

    public Task PrepareAsync(CancellationToken cancellationToken) => log.PrepareAsync(cancellationToken);

    public static string Subject(string destination) => $"mrk.relay.{destination}";

    public async Task<bool> EnqueueAsync(string messageId, string source, string destination, byte[] envelope, CancellationToken cancellationToken)
    {
        // A resend of the same ID within the log's duplicate window is acknowledged as a duplicate, so retrying a
        // publish whose answer was lost stores it once.
        var ack = await RelayLogRetry.RunAsync(async token =>
        {
            var answer = await log.JetStream.PublishAsync(Subject(destination), envelope,
                opts: new NatsJSPubOpts { MsgId = $"{source}/{messageId}", ExpectedStream = RelayLog.EnvelopeStream },
                cancellationToken: token).ConfigureAwait(false);
            answer.EnsureSuccess();
            return answer;
        }, cancellationToken).ConfigureAwait(false);

        // The destination's stream may be held by another replica: ring its doorbell there too (a lost ring only
        // waits for that replica's next poll).
        await log.Connection.PublishAsync(RingSubject(destination), cancellationToken: cancellationToken).ConfigureAwait(false);
        return !ack.Duplicate;
    }

    public static string RingSubject(string destination) => $"mrk.ring.{destination}";

    public async Task<IReadOnlyList<(long Seq, byte[] Envelope)>> PendingAsync(string destination, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        var stream = await StreamAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(long, byte[])>();
        var next = (ulong)Math.Max(0, afterSeq) + 1;
        while (rows.Count < limit)
        {
            if (await NextAsync(stream, Subject(destination), next, cancellationToken).ConfigureAwait(false) is not { } message)
            {
                break;
            }

            var bytes = message.Data.ToArray();
            _delivered[(destination, MessageIdOf(bytes))] = message.Seq;
            rows.Add(((long)message.Seq, bytes));
            next = message.Seq + 1;
        }

        return rows;
    }

    public async Task AcknowledgeAsync(string destination, string messageId, CancellationToken cancellationToken)
    {
        // An envelope delivered from another replica is not known here: it is delivered again from here later, and its
        // destination drops it as applied and acknowledges it again.
        if (!_delivered.TryRemove((destination, messageId), out var seq))
        {
            return;
        }

        var stream = await StreamAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RelayLogRetry.RunAsync(async token => await stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = seq, NoErase = true }, token)
                .ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code is 400 or 404)
        {
            // Already deleted (acknowledged through another replica meanwhile).
        }
    }

    public async Task<Dictionary<string, (long Depth, DateTimeOffset Oldest)>> DepthsAsync(CancellationToken cancellationToken)
    {
        var stream = await RelayLogRetry.RunAsync(token => log.JetStream.GetStreamAsync(RelayLog.EnvelopeStream,
            new StreamInfoRequest { SubjectsFilter = "mrk.relay.>" }, token), cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, (long, DateTimeOffset)>(StringComparer.Ordinal);
        foreach (var (subject, count) in stream.Info.State.Subjects ?? new Dictionary<string, long>())
        {
            if (count == 0 || await NextAsync(stream, subject, 1, cancellationToken).ConfigureAwait(false) is not { } oldest)
            {
                continue;
            }

            result[subject["mrk.relay.".Length..]] = ((long)count, oldest.Time);
        }

        return result;
    }

    /// <summary>The first envelope on <paramref name="subject"/> at or after <paramref name="from"/>; null when there is none.</summary>
    private static async Task<StoredMessage?> NextAsync(INatsJSStream stream, string subject, ulong from, CancellationToken cancellationToken)
    {
        try
        {
            return (await RelayLogRetry.RunAsync(token => stream.GetAsync(new StreamMsgGetRequest { Seq = from, NextBySubj = subject }, token), cancellationToken)
                .ConfigureAwait(false)).Message;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null;
        }
    }

    /// <summary>
    /// The envelope stream's handle, looked up once: reads and deletes name the stream, so a handle stays good whichever
    /// server leads it, and each envelope costs no extra round trip to the log for it.
    /// </summary>
    private async Task<INatsJSStream> StreamAsync(CancellationToken cancellationToken) =>
        _stream ??= await RelayLogRetry.RunAsync(token => log.JetStream.GetStreamAsync(RelayLog.EnvelopeStream, cancellationToken: token), cancellationToken)
            .ConfigureAwait(false);

    private static string MessageIdOf(byte[] envelope)
    {
        try
        {
            return Envelope.Parser.ParseFrom(envelope).MessageId;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            // Only envelopes this relay checked are stored; one that does not parse is delivered and never matched.
            return string.Empty;
        }
    }
}
