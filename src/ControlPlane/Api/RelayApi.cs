using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Cluster.Tracing;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.Messages;

namespace Grpc.Mrk.ControlPlane.Api;

/// <summary>
/// One stream per RegionNode. Inbound: envelopes are checked for routing (the source must be the caller, the
/// destination another known Region), stored durably, then acknowledged as stored. Outbound: the Region's queue is
/// delivered in order and re-delivered on every new stream until the Region acknowledges each envelope.
/// </summary>
public sealed class RelayApi(
    IRelayQueue queue,
    IAuditDigestCopies digestCopies,
    RegionConnections connections,
    PeerCertificates peers,
    ClusterRegions regions,
    RelayMetrics metrics,
    EnvelopeTrace trace,
    KeyCensusBoard census,
    AuditTimeline timeline,
    IReplicaViews views,
    ILogger<RelayApi> logger) : Internal.V1.Relay.RelayBase
{
    private const int MaxEnvelopeBytes = 256 * 1024;

    public override async Task Connect(IAsyncStreamReader<RegionFrame> requestStream, IServerStreamWriter<ControlPlaneFrame> responseStream,
        ServerCallContext context)
    {
        var region = peers.Require(context, ClusterRole.Region).Name;
        var known = regions.Names;
        if (!known.Contains(region))
        {
            Log.PeerRefused(logger, context.Method, context.Peer, $"Region {region} is not in this cluster");
            throw Refusal.AccessDenied($"Region {region} is not part of this cluster.");
        }

        var connection = connections.Open(region);
        Log.RegionConnected(logger, region);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, connection.Replaced.Token);
        using var writeLock = new SemaphoreSlim(1, 1);
        async Task WriteAsync(ControlPlaneFrame frame)
        {
            await writeLock.WaitAsync(stream.Token).ConfigureAwait(false);
            try
            {
                await responseStream.WriteAsync(frame, stream.Token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }

        RelayStoreUnavailableException? deliveryFailed = null;
        var delivery = DeliverAsync(region, WriteAsync, stream.Token);
        // A delivery that cannot go on ends the stream (the Region reads that and moves to another replica).
        _ = delivery.ContinueWith(_ => stream.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        await using var acks = new FrameQueue<ControlPlaneFrame>(WriteAsync, stream.Cancel);
        try
        {
            while (await requestStream.MoveNext(stream.Token).ConfigureAwait(false))
            {
                connections.Touch(region);
                var frame = requestStream.Current;
                if (frame.FrameCase == RegionFrame.FrameOneofCase.Send)
                {
                    var envelope = frame.Send;
                    var problem = RoutingProblem(envelope, region, known);
                    if (problem is not null)
                    {
                        Log.EnvelopeRefused(logger, LogText.Safe(envelope.MessageId), region, LogText.Safe(problem));
                        metrics.Refused.Add(1, RelayMetrics.Region(region, "mrk.source"));
                        continue;
                    }

                    using var spans = trace.StartEach("store", ActivityKind.Consumer, envelope);
                    var fresh = await queue.EnqueueAsync(envelope.MessageId, region, envelope.DestinationRegion, envelope.ToByteArray(), stream.Token)
                        .ConfigureAwait(false);
                    connections.Ring(envelope.DestinationRegion);
                    if (fresh)
                    {
                        metrics.Stored.Add(1, RelayMetrics.Region(region, "mrk.source"));
                    }

                    await acks.EnqueueAsync(new ControlPlaneFrame { Stored = new Ack { MessageId = envelope.MessageId } }, stream.Token)
                        .ConfigureAwait(false);
                }
                else if (frame.FrameCase == RegionFrame.FrameOneofCase.Delivered)
                {
                    await queue.AcknowledgeAsync(region, frame.Delivered.MessageId, stream.Token).ConfigureAwait(false);
                    metrics.Delivered.Add(1, RelayMetrics.Region(region, "mrk.destination"));
                }
                else if (frame.FrameCase == RegionFrame.FrameOneofCase.Report)
                {
                    connections.Report(region, Math.Max(0, frame.Report.DeadLetters));
                }
                else if (frame.FrameCase == RegionFrame.FrameOneofCase.Census)
                {
                    if (!census.Accept(region, frame.Census))
                    {
                        Log.CensusRefused(logger, region, frame.Census.Keys.Count);
                    }
                    else
                    {
                        views.Share(region, frame);
                    }
                }
                else if (frame.FrameCase == RegionFrame.FrameOneofCase.Audit)
                {
                    if (!timeline.Accept(region, frame.Audit))
                    {
                        Log.AuditBriefsRefused(logger, region, frame.Audit.Events.Count);
                    }
                    else
                    {
                        views.Share(region, frame);
                    }
                }
                else if (frame.FrameCase == RegionFrame.FrameOneofCase.Digests)
                {
                    if (await StoreDigestsAsync(region, frame.Digests, stream.Token).ConfigureAwait(false) is { } upTo)
                    {
                        await acks.EnqueueAsync(new ControlPlaneFrame { DigestsStored = new AuditDigestsStored { UpTo = upTo } }, stream.Token)
                            .ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stream.IsCancellationRequested)
        {
            // The Region went away, or reconnected on a new stream.
        }
        finally
        {
            await stream.CancelAsync().ConfigureAwait(false);
            try
            {
                await delivery.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Delivery stops with the stream.
            }
            catch (RelayStoreUnavailableException e)
            {
                deliveryFailed = e;
            }

            connections.Close(connection);
            Log.RegionDisconnected(logger, region);
        }

        if (deliveryFailed is not null)
        {
            throw deliveryFailed;
        }
    }

    /// <summary>Keeps the Region's audit digests if they verify under its key; null (and nothing kept) when they are refused.</summary>
    private async Task<long?> StoreDigestsAsync(string region, PublishedAuditDigests published, CancellationToken cancellationToken)
    {
        var digests = new List<DigestCopy>();
        foreach (var digest in published.Digests.Take(AuditDigests.MaxPerMessage))
        {
            if (AuditDigests.Parse(digest, out var problem) is not { } parsed)
            {
                Log.AuditDigestsRefused(logger, region, LogText.Safe(problem ?? "malformed"));
                return null;
            }

            digests.Add(new DigestCopy(parsed.Sequence, parsed.Hash, parsed.CreatedAt, parsed.Signature));
        }

        var (upTo, refusal) = await digestCopies.StoreAsync(region, published.PublicKey.ToByteArray(), digests, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            Log.AuditDigestsRefused(logger, region, refusal);
            return null;
        }

        return upTo;
    }

    private async Task DeliverAsync(string region, Func<ControlPlaneFrame, Task> write, CancellationToken cancellationToken)
    {
        // Positions sent on this stream; a new stream starts again from the oldest unacknowledged envelope.
        long sent = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<(long Seq, byte[] Envelope)> pending;
            try
            {
                pending = await queue.PendingAsync(region, sent, 100, cancellationToken).ConfigureAwait(false);
            }
            catch (RelayStoreUnavailableException e)
            {
                // The retries have outlasted any election: this replica is cut off from the log's majority. The
                // Region's stream ends, so the Region moves to a replica that can deliver to it.
                Log.DeliveryPaused(logger, region, e.Message);
                throw;
            }

            foreach (var (seq, bytes) in pending)
            {
                var envelope = Envelope.Parser.ParseFrom(bytes);
                using (trace.StartEach("deliver", ActivityKind.Producer, envelope))
                {
                    await write(new ControlPlaneFrame { Deliver = envelope }).ConfigureAwait(false);
                }

                sent = seq;
            }

            if (pending.Count == 0)
            {
                await connections.WaitForRingAsync(region, TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string? RoutingProblem(Envelope envelope, string caller, IReadOnlyList<string> known)
    {
        if (string.IsNullOrEmpty(envelope.MessageId) || envelope.MessageId.Length > 64)
        {
            return "missing or oversized message ID";
        }

        if (envelope.SourceRegion != caller)
        {
            return $"source {envelope.SourceRegion} is not the sending Region {caller}";
        }

        if (envelope.DestinationRegion == caller || !known.Contains(envelope.DestinationRegion))
        {
            return $"destination {envelope.DestinationRegion} is not another Region of this cluster";
        }

        return envelope.CalculateSize() > MaxEnvelopeBytes ? "envelope too large" : null;
    }
}
