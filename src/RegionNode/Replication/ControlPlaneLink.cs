using Grpc.Mrk.Cluster.Tracing;
using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Net.Client;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// The Region's one long-lived stream to the ControlPlane, over mutual TLS: sends the outbox (again after every
/// reconnect, until stored), delivers incoming envelopes to the inbox and acknowledges them once applied. When its
/// ControlPlane stops answering it moves to the next replica at once; after a whole round of them failed it backs off
/// (capped, exponential). Crypto calls never wait on it.
/// </summary>
public sealed class ControlPlaneLink(
    ControlPlaneEndpoints controlPlanes,
    ReplicationIdentity identity,
    RelayStore store,
    Outbox outbox,
    Inbox inbox,
    AuditDigestPublisher digests,
    KeyCensusPublisher census,
    AuditBriefPublisher auditBriefs,
    KeyDeliveries deliveries,
    Audit.AuditLog audit,
    SequenceFloors floors,
    TimeProvider time,
    EnvelopeTrace trace,
    ILogger<ControlPlaneLink> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>A stream open this long counts as one that worked: the failures before it are forgotten.</summary>
    private static readonly TimeSpan StreamThatLasted = TimeSpan.FromSeconds(5);

    /// <summary>Quiet time on the stream before a ping, and how long its answer may take before the link is dropped.</summary>
    private static readonly TimeSpan KeepAlivePingDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
    /// <summary>Messages read from the outbox at a time (they leave in batches of at most <see cref="EnvelopeBatches.MaxMembers"/>).</summary>
    private const int SendBatch = 512;

    /// <summary>
    /// How long the link lets messages gather before it reads the outbox again when more arrived while it was sending:
    /// a lone message still leaves at once, but a stream leaves in fewer, larger batches, each costing the receiver one
    /// signature check and one acknowledgement instead of one per handful of messages.
    /// </summary>
    private static readonly TimeSpan StreamLinger = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Longer, while prekeys are scarce: each batch that carries material uses one, so in a burst fewer, larger
    /// batches keep the supply ahead of the demand.
    /// </summary>
    private static readonly TimeSpan ScarceLinger = TimeSpan.FromMilliseconds(50);

    /// <summary>How often a question about the sequence floor is sent again while its answer is awaited.</summary>
    private static readonly TimeSpan AskAgain = TimeSpan.FromSeconds(5);

    /// <summary>How long the link waits before it streams again after its own store refused a write.</summary>
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _doorbell = new(0);
    private readonly SemaphoreSlim _sealed = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        outbox.Enqueued += () => _doorbell.Release();
        audit.Sealed += () => _sealed.Release();
        // A floor learnt lets what was held for that peer go.
        floors.Ready += () => _doorbell.Release();
        // This Region's prekeys are new with this process, and it holds none of the others': both sides learn them now.
        await deliveries.PublishToAllAsync(stoppingToken).ConfigureAwait(false);
        var backoff = TimeSpan.FromMilliseconds(100);
        var failedInARow = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var controlPlane = controlPlanes.Current;
            var started = time.GetTimestamp();
            try
            {
                await RunStreamAsync(controlPlane, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                Log.ControlPlaneUnreachable(logger, controlPlane.ToString(), e.Message);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                // This Region's store could not take what the stream sent or brought (its disk is full): nothing is lost,
                // what was not recorded is sent or delivered again. The ControlPlane is not to blame, so the same
                // replica is tried again once the store has had a moment.
                Log.LinkStoreFailed(logger, StoreWriteRefusal.Why(e) ?? e.Message);
                await Task.Delay(StoreRetry, time, stoppingToken).ConfigureAwait(false);
                continue;
            }

            // A stream that ended, or never opened, tells the same: that replica is not serving now. The next one is
            // tried at once; only when every one has failed since the last stream that lasted does the link wait longer.
            if (time.GetElapsedTime(started) > StreamThatLasted)
            {
                failedInARow = 0;
                backoff = TimeSpan.FromMilliseconds(100);
            }

            controlPlanes.MoveOn(controlPlane);
            failedInARow++;
            await Task.Delay(failedInARow < controlPlanes.All.Count ? TimeSpan.FromMilliseconds(100) : backoff, time, stoppingToken).ConfigureAwait(false);
            if (failedInARow >= controlPlanes.All.Count)
            {
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    /// <summary>Runs one stream until it ends.</summary>
    private async Task RunStreamAsync(Uri controlPlane, CancellationToken stoppingToken)
    {
        using var handler = ClusterHandlers.Create(identity.TlsCertificate,
            (presented, extra) => identity.Trust.Check(presented, extra, ClusterRole.ControlPlane).Identity is not null);

        // A Region with nothing to send only reads, and a connection whose far end went away while no packet could
        // reach the Region (a silent partition, a firewall or NAT that forgot it, a reset that was dropped) would then
        // be read from forever. HTTP/2 pings on a quiet stream find that out, and the loop above connects again.
        handler.KeepAlivePingDelay = KeepAlivePingDelay;
        handler.KeepAlivePingTimeout = KeepAlivePingTimeout;
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests;
        using var channel = GrpcChannel.ForAddress(controlPlane, new GrpcChannelOptions { HttpHandler = handler });
        using var call = new Internal.V1.Relay.RelayClient(channel).Connect(cancellationToken: stoppingToken);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var writeLock = new SemaphoreSlim(1, 1);
        async Task WriteAsync(RegionFrame frame)
        {
            await writeLock.WaitAsync(stream.Token).ConfigureAwait(false);
            try
            {
                await call.RequestStream.WriteAsync(frame, stream.Token).ConfigureAwait(false);
            }
            finally
            {
                writeLock.Release();
            }
        }

        // What each envelope sent on this stream carries, so a `stored` for a batch removes all of its messages.
        var carried = new System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var sending = SendOutboxAsync(controlPlane, WriteAsync, carried, stream.Token);
        var publishing = PublishDigestsAsync(WriteAsync, stream.Token);
        var counting = census.RunAsync(WriteAsync, stream.Token);
        var briefing = auditBriefs.RunAsync(WriteAsync, stream.Token);
        var asking = SendUnsequencedAsync(WriteAsync, stream.Token);
        var acks = new FrameQueue<RegionFrame>(WriteAsync, stream.Cancel);

        // Operators see each Region's set-aside envelopes in the cluster status: reported now and after each one.
        void Report(int deadLetters) => acks.TryEnqueue(new RegionFrame { Report = new RegionReport { DeadLetters = deadLetters } });
        inbox.DeadLettered += Report;
        try
        {
            Report(await inbox.DeadLetterCountAsync(stream.Token).ConfigureAwait(false));
            while (await call.ResponseStream.MoveNext(stream.Token).ConfigureAwait(false))
            {
                var frame = call.ResponseStream.Current;
                if (frame.FrameCase == ControlPlaneFrame.FrameOneofCase.Stored)
                {
                    var members = carried.TryRemove(frame.Stored.MessageId, out var ids) ? ids : [frame.Stored.MessageId];
                    await store.RemoveAsync(members, stream.Token).ConfigureAwait(false);
                }
                else if (frame.FrameCase == ControlPlaneFrame.FrameOneofCase.DigestsStored)
                {
                    await digests.ConfirmAsync(frame.DigestsStored.UpTo, stream.Token).ConfigureAwait(false);
                }
                else if (frame.FrameCase == ControlPlaneFrame.FrameOneofCase.Deliver)
                {
                    await inbox.ReceiveAsync(frame.Deliver, stream.Token).ConfigureAwait(false);
                    await acks.EnqueueAsync(new RegionFrame { Delivered = new Ack { MessageId = frame.Deliver.MessageId } }, stream.Token)
                        .ConfigureAwait(false);
                }
            }
        }
        finally
        {
            inbox.DeadLettered -= Report;
            await stream.CancelAsync().ConfigureAwait(false);
            await acks.DisposeAsync().ConfigureAwait(false);
            foreach (var task in new[] { sending, publishing, counting, briefing, asking })
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or RpcException or IOException)
                {
                    // The stream is gone; the next connection resends what is left in the outbox and what is unconfirmed.
                }
            }

            writeLock.Dispose();
        }
    }

    /// <summary>
    /// Questions and answers about where the sequence stands after a rejoin (<see cref="SequenceFloors"/>): on
    /// connecting, as soon as one is ready, and again every few seconds while a peer's answer is awaited (the same
    /// message each time, so the ControlPlane keeps one).
    /// </summary>
    private async Task SendUnsequencedAsync(Func<RegionFrame, Task> write, CancellationToken cancellationToken)
    {
        // Not disposed: the inbox may still raise Ready on its own thread after this stream has ended.
        var ready = new SemaphoreSlim(0);
        void Wake() => ready.Release();
        floors.Ready += Wake;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var envelope in await floors.DueAsync(cancellationToken).ConfigureAwait(false))
                {
                    await write(new RegionFrame { Send = envelope }).ConfigureAwait(false);
                }

                await ready.WaitAsync(AskAgain, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            floors.Ready -= Wake;
        }
    }

    /// <summary>Sends the audit digests the ControlPlane has not confirmed, on connecting and after each new one.</summary>
    private async Task PublishDigestsAsync(Func<RegionFrame, Task> write, CancellationToken cancellationToken)
    {
        var sentUpTo = await digests.ConfirmedAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await digests.NextAsync(sentUpTo, cancellationToken).ConfigureAwait(false) is { } next)
            {
                await write(next.Frame).ConfigureAwait(false);
                sentUpTo = next.UpTo;
                continue;
            }

            await _sealed.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendOutboxAsync(Uri controlPlane, Func<RegionFrame, Task> write, System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlyList<string>> carried,
        CancellationToken cancellationToken)
    {
        // Until the ControlPlane confirms a message as stored it stays in the outbox; each connection sends it once,
        // reading on from the last sequence it sent to each destination. What waits when the outbox is read leaves as
        // batches, one signature each; a message queued alone leaves alone, at once.
        var sentUpTo = new Dictionary<string, long>(StringComparer.Ordinal);
        await write(new RegionFrame()).ConfigureAwait(false);
        Log.ControlPlaneConnected(logger, controlPlane.ToString());
        while (!cancellationToken.IsCancellationRequested)
        {
            var pending = await store.PendingAsync(SendBatch, cancellationToken, sentUpTo).ConfigureAwait(false);
            foreach (var outgoing in await EnvelopeBatches.FormAsync(pending, identity.Region, time.GetUtcNow(), identity.SigningKey, deliveries,
                         trace, cancellationToken).ConfigureAwait(false))
            {
                carried[outgoing.Envelope.MessageId] = outgoing.MemberIds;
                await write(new RegionFrame { Send = outgoing.Envelope }).ConfigureAwait(false);
            }

            foreach (var message in pending)
            {
                sentUpTo[message.Destination] = Math.Max(message.Sequence, sentUpTo.GetValueOrDefault(message.Destination));
            }

            if (pending.Count < SendBatch)
            {
                var streaming = pending.Count > 0 && _doorbell.CurrentCount > 0;
                await _doorbell.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                if (streaming)
                {
                    await Task.Delay(deliveries.Scarce() ? ScarceLinger : StreamLinger, time, cancellationToken).ConfigureAwait(false);
                }

                // One read covers every ring so far.
                while (_doorbell.Wait(0, CancellationToken.None))
                {
                }
            }
        }
    }
}
