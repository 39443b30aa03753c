using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Where a Region's outgoing sequences stand after its store went back (restored from a backup), learnt from its peers
/// rather than from a clock: it asks each peer (SequenceQuery) for the last sequence that peer applied
/// from it, holds everything else for that peer until the answer (SequenceFloor), then numbers what it holds on from
/// there (<see cref="RelayStore.ApplyFloorAsync"/>). Both messages travel outside the sequence (number 0, never
/// refused as replays, never recorded as applied), straight from the link rather than through the outbox, so two
/// Regions restored at once answer each other. Both are signed like any envelope: the ControlPlane can delay or drop
/// them, not forge them; a replayed question is answered again (harmless), a replayed answer carries a nonce no
/// question is open for any more and changes nothing.
/// </summary>
public sealed class SequenceFloors(RelayStore store, ReplicationIdentity identity, TimeProvider time, ILogger<SequenceFloors> logger)
{
    public static readonly string QueryKind = SequenceQuery.Descriptor.FullName;
    public static readonly string FloorKind = SequenceFloor.Descriptor.FullName;

    /// <summary>Answers waiting for the link; a flood of replayed questions costs at most this many.</summary>
    private const int MaxAnswers = 64;

    private readonly ConcurrentQueue<Envelope> _answers = new();

    /// <summary>Raised when there is something to send: an answer queued, or a floor learnt (the held outbox may go).</summary>
    public event Action? Ready;

    public static bool IsUnsequenced(string kind) => kind == QueryKind || kind == FloorKind;

    /// <summary>Asks every other Region where this Region's sequence stands, holding what waits for each until it answers.</summary>
    public async Task AskEveryPeerAsync(CancellationToken cancellationToken)
    {
        await store.HoldForFloorsAsync(identity.PeerRegions(), cancellationToken).ConfigureAwait(false);
        Ready?.Invoke();
    }

    /// <summary>What the link sends now: a question to each peer still awaited (the same message each time), and the answers queued.</summary>
    public async Task<IReadOnlyList<Envelope>> DueAsync(CancellationToken cancellationToken)
    {
        var due = new List<Envelope>();
        foreach (var (peer, nonce) in await store.AwaitedFloorsAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add(Signed($"sequence-query-{nonce}", peer, QueryKind, new SequenceQuery { Nonce = nonce }));
        }

        while (_answers.TryDequeue(out var answer))
        {
            due.Add(answer);
        }

        return due;
    }

    /// <summary>Takes a verified question or answer from another Region.</summary>
    public async Task ReceiveAsync(Envelope envelope, CancellationToken cancellationToken)
    {
        try
        {
            if (envelope.Kind == QueryKind)
            {
                var query = SequenceQuery.Parser.ParseFrom(envelope.Payload);
                if (query.Nonce.Length is 0 or > 64 || _answers.Count >= MaxAnswers)
                {
                    return;
                }

                var applied = await store.LastAppliedAsync(envelope.SourceRegion, cancellationToken).ConfigureAwait(false);
                _answers.Enqueue(Signed($"sequence-floor-{query.Nonce}", envelope.SourceRegion, FloorKind,
                    new SequenceFloor { Nonce = query.Nonce, LastApplied = applied }));
                Ready?.Invoke();
                return;
            }

            var floor = SequenceFloor.Parser.ParseFrom(envelope.Payload);
            if (await store.ApplyFloorAsync(envelope.SourceRegion, floor.Nonce, floor.LastApplied, cancellationToken).ConfigureAwait(false))
            {
                Log.SequenceFloorLearnt(logger, envelope.SourceRegion, floor.LastApplied);
                Ready?.Invoke();
            }
        }
        catch (InvalidProtocolBufferException)
        {
            Log.EnvelopeRejected(logger, LogText.Safe(envelope.MessageId), LogText.Safe(envelope.SourceRegion), "the payload does not decode");
        }
    }

    private Envelope Signed(string messageId, string destination, string kind, IMessage payload)
    {
        var envelope = new Envelope
        {
            MessageId = messageId, SourceRegion = identity.Region, DestinationRegion = destination, KeyId = string.Empty, Sequence = 0,
            SentAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()), Kind = kind, Payload = payload.ToByteString(),
        };
        EnvelopeSigning.Sign(envelope, identity.SigningKey);
        return envelope;
    }
}
