using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// The Region's audit log writer: events queue in memory and are appended in batches, one transaction per batch (group
/// commit), each record chained to the previous by SHA-256. A crypto call never waits for the disk; a management call
/// waits until its record is durable. Durability window: records of crypto calls still queued when the process dies
/// are lost; acknowledged management calls always have their record. Nothing queued is ever dropped: the queue is
/// bounded by admission instead (<see cref="IsBackedUp"/> makes the API refuse new calls with ThrottlingException until
/// it drains), and a batch the store refuses is written again, not discarded.
/// </summary>
public sealed class AuditLog(AuditStore store, AuditSigningKey signingKey, RegionIdentity region, TimeProvider time, ILogger<AuditLog> logger)
    : BackgroundService, IAuditSink
{
    /// <summary>
    /// A signed digest seals the log after this many records (at most once per <see cref="DigestAtMostEvery"/>), after
    /// <see cref="DigestEvery"/> with new records, and at shutdown. The floor keeps a busy node from signing and
    /// flushing a digest for every thousand calls (40 a second at 40,000 calls/s); the unsealed tail stays one
    /// second long at most.
    /// </summary>
    public const int DigestEveryRecords = 1000;

    public static readonly TimeSpan DigestAtMostEvery = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan DigestEvery = TimeSpan.FromMinutes(1);

    /// <summary>Above these the queue is backed up and new calls are refused until it drains.</summary>
    public const long MaxQueuedBytes = 32L * 1024 * 1024;

    public const int MaxQueuedRecords = 100_000;

    private const int MaxBatch = 512;
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _chain = new(1, 1);
    private (long Sequence, byte[] Hash)? _tail;
    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>(new UnboundedChannelOptions { SingleReader = true });
    private long _queuedBytes;
    private long _queuedRecords;
    private long _throttled;

    /// <summary>Raised after each new digest is stored (the ControlPlane link publishes it).</summary>
    public event Action? Sealed;

    /// <summary>
    /// Why the log cannot be written now (its disk is full), or null: while it is set the API refuses audited calls
    /// rather than serve them with records it cannot keep. Cleared by the next batch that is written.
    /// </summary>
    public string? Unwritable => Volatile.Read(ref _unwritable);

    private string? _unwritable;

    public bool IsBackedUp => Interlocked.Read(ref _queuedBytes) > MaxQueuedBytes || Interlocked.Read(ref _queuedRecords) > MaxQueuedRecords;

    /// <summary>Records queued and not yet written.</summary>
    public long QueuedRecords => Interlocked.Read(ref _queuedRecords);

    /// <summary>Raised after the writer committed a batch of records, with how long writing and committing it took.</summary>
    public event Action<TimeSpan>? BatchCommitted;

    public void Record(AuditEvent auditEvent) => Enqueue(new Queued(auditEvent, null, AuditEventSize.Estimate(auditEvent)));

    public async Task RecordDurablyAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Queued(auditEvent, durable, AuditEventSize.Estimate(auditEvent)));
        await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A call refused because the queue was backed up; they are recorded together, as one record, once it drains.</summary>
    public void CountThrottled() => Interlocked.Increment(ref _throttled);

    private long _refusedUnwritable;

    /// <summary>A call refused because the log could not be written: counted, and recorded as a count once it can be again.</summary>
    public void CountRefusedUnwritable() => Interlocked.Increment(ref _refusedUnwritable);

    private void Enqueue(Queued item)
    {
        Interlocked.Add(ref _queuedBytes, item.Bytes);
        Interlocked.Increment(ref _queuedRecords);
        if (!_queue.Writer.TryWrite(item))
        {
            // Only after shutdown has completed the queue: the process is ending, and says so.
            Log.AuditQueueFull(logger, item.Event.EventName);
        }
    }

    /// <summary>
    /// Holds the chain for one record written inside a caller's transaction. Take it before the transaction begins
    /// (the chain lock is always taken before the database's write lock, so writers cannot deadlock), write
    /// <see cref="AuditReservation.Row"/> in the transaction, and call <see cref="AuditReservation.Committed"/> after the commit.
    /// </summary>
    public async Task<AuditReservation> ReserveAsync(PendingAudit pending, CancellationToken cancellationToken)
    {
        await _chain.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (sequence, hash) = _tail ??= await store.TailAsync(cancellationToken).ConfigureAwait(false);
            var (json, chained) = AuditRecordFormat.Chained(pending.Event, region, time.GetUtcNow(), Guid.NewGuid(), hash);
            var row = (sequence + 1, json, chained);
            return new AuditReservation(row, committed =>
            {
                if (committed)
                {
                    _tail = (row.Item1, row.Item3);
                    pending.Written = true;
                }

                _chain.Release();
            });
        }
        catch
        {
            _chain.Release();
            throw;
        }
    }

    /// <summary>SHA-256 of the previous record's hash followed by the record's UTF-8 bytes.</summary>
    public static byte[] Chain(byte[] previousHash, string json) => SHA256.HashData([.. previousHash, .. Encoding.UTF8.GetBytes(json)]);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (sequence, hash) = await TailAsync(stoppingToken).ConfigureAwait(false);
        // When the last digest was made, by the monotonic clock: a wall clock set back days must not hold the next one back as long.
        var (sealedSequence, sealedAt) = (await store.LastSealedSequenceAsync(stoppingToken).ConfigureAwait(false), time.GetTimestamp());
        if (sequence > sealedSequence)
        {
            // Records left unsealed by a stop without shutdown (a crash): sealed before anything else is written, so
            // the tail cannot be rewritten later without breaking a digest that is also published away from the Region.
            if (await TrySealAsync(sequence, hash, stoppingToken).ConfigureAwait(false))
            {
                sealedSequence = sequence;
            }
        }

        var batch = new List<Queued>();
        var retry = FirstRetry;
        try
        {
            while (batch.Count > 0 || await RecordsOrSealDueAsync(sequence - sealedSequence, sealedAt, stoppingToken).ConfigureAwait(false))
            {
                bool written;
                (sequence, hash, written) = await WriteBatchAsync(batch, sequence, hash, stoppingToken).ConfigureAwait(false);
                if (!written)
                {
                    // The batch stays and is written again: a store that refuses a write now must not cost any record.
                    await Task.Delay(retry, time, stoppingToken).ConfigureAwait(false);
                    retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
                    continue;
                }

                retry = FirstRetry;
                RecordThrottledOnceDrained();
                var sinceSealed = time.GetElapsedTime(sealedAt);
                if (sequence > sealedSequence
                    && ((sequence - sealedSequence >= DigestEveryRecords && sinceSealed >= DigestAtMostEvery) || sinceSealed >= DigestEvery))
                {
                    if (await TrySealAsync(sequence, hash, stoppingToken).ConfigureAwait(false))
                    {
                        (sealedSequence, sealedAt) = (sequence, time.GetTimestamp());
                    }
                    else
                    {
                        await Task.Delay(retry, time, stoppingToken).ConfigureAwait(false);
                        retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write everything queued and seal it, so a clean shutdown loses nothing and leaves no unsealed tail.
            // At least one pass: it also picks up records that calls wrote in their own transactions since the last batch.
            _queue.Writer.TryComplete();
            var failures = 0;
            do
            {
                bool written;
                (sequence, hash, written) = await WriteBatchAsync(batch, sequence, hash, CancellationToken.None).ConfigureAwait(false);
                failures = written ? 0 : failures + 1;
            }
            while (Interlocked.Read(ref _queuedRecords) > 0 && failures < 20);

            if (sequence > sealedSequence)
            {
                await SealAsync(sequence, hash, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Waits for records to write; with an unsealed tail, no longer than until its digest is due, so a tail that no
    /// record follows is sealed in time all the same. False once the queue is completed.
    /// </summary>
    private async Task<bool> RecordsOrSealDueAsync(long unsealed, long sealedAt, CancellationToken stoppingToken)
    {
        if (unsealed <= 0)
        {
            return await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false);
        }

        var due = (unsealed >= DigestEveryRecords ? DigestAtMostEvery : DigestEvery) - time.GetElapsedTime(sealedAt);
        if (due <= TimeSpan.Zero)
        {
            return true;
        }

        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var records = _queue.Reader.WaitToReadAsync(wake.Token).AsTask();
        var first = await Task.WhenAny(records, Task.Delay(due, time, wake.Token)).ConfigureAwait(false);
        await wake.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
        return first != records || await records.ConfigureAwait(false);
    }

    private void RecordThrottledOnceDrained()
    {
        if (Interlocked.Read(ref _refusedUnwritable) > 0 && Unwritable is null)
        {
            var count = Interlocked.Exchange(ref _refusedUnwritable, 0);
            Record(new AuditEvent("RefusedCalls", AuditEvent.ServiceEvent, null, null, true,
                new Dictionary<string, object?> { ["count"] = count }, null, Domain.Errors.KmsErrorCodes.DependencyTimeout,
                $"{count} calls were refused while the audit log could not be written."));
        }

        if (Interlocked.Read(ref _throttled) > 0 && !IsBackedUp)
        {
            var count = Interlocked.Exchange(ref _throttled, 0);
            Record(new AuditEvent("ThrottledCalls", AuditEvent.ServiceEvent, null, null, true,
                new Dictionary<string, object?> { ["count"] = count }, null, Domain.Errors.KmsErrorCodes.Throttling,
                $"{count} calls were refused while the audit queue was backed up."));
        }
    }

    private async Task<(long Sequence, byte[] Hash)> TailAsync(CancellationToken cancellationToken)
    {
        await _chain.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _tail ??= await store.TailAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _chain.Release();
        }
    }

    /// <summary>
    /// A successful cryptographic call is its keys' last use (GetKeyLastUsage), written with its record: each key of
    /// ReEncrypt alike, the latest of a batch winning. Cryptographic calls change nothing, so their records always
    /// come through this writer, never inside a management transaction.
    /// </summary>
    private static void NoteUsage(Dictionary<string, KeyLastUsage> usages, AuditEvent auditEvent, DateTimeOffset now, Guid eventId)
    {
        if (auditEvent.ErrorCode is not null || auditEvent.EventType != AuditEvent.ApiCall || !KeyLastUsage.TrackedOperations.Contains(auditEvent.EventName))
        {
            return;
        }

        // To the millisecond, as the record's eventTime says it.
        var at = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var usage = new KeyLastUsage(auditEvent.EventName, at, eventId.ToString(), auditEvent.RequestId);
        foreach (var arn in auditEvent.KeyArn is null ? auditEvent.OtherKeyArns : [auditEvent.KeyArn, .. auditEvent.OtherKeyArns])
        {
            usages[arn[(arn.LastIndexOf('/') + 1)..]] = usage;
        }
    }

    /// <summary>
    /// A disk that is full or fails makes the log unwritable until a write succeeds; any other failure (a busy store)
    /// is only retried, as before, with calls still admitted.
    /// </summary>
    private void NoteUnwritable(Exception failure)
    {
        if (StoreWriteRefusal.Why(failure) is { } why)
        {
            Volatile.Write(ref _unwritable, why);
        }
    }

    /// <summary>A digest the store cannot take now (its disk is full) is made again with the next batch, not lost with the writer.</summary>
    private async Task<bool> TrySealAsync(long sequence, byte[] hash, CancellationToken cancellationToken)
    {
        try
        {
            await SealAsync(sequence, hash, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _unwritable, null);
            return true;
        }
        catch (Exception e) when (e is SqliteException or IOException)
        {
            Log.AuditWriteFailed(logger, 0, e);
            NoteUnwritable(e);
            return false;
        }
    }

    private async Task SealAsync(long sequence, byte[] hash, CancellationToken cancellationToken)
    {
        // Whole milliseconds: the time is signed, and exported digest files carry it to the millisecond.
        var clock = time.GetUtcNow();
        var now = new DateTimeOffset(clock.UtcTicks - (clock.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var key = await signingKey.GetAsync(cancellationToken).ConfigureAwait(false);
        var signature = AuditDigestSignature.Sign(key, region.Region, sequence, hash, now);
        await store.AppendDigestAsync(sequence, hash, now, signature, cancellationToken).ConfigureAwait(false);
        Sealed?.Invoke();
    }

    /// <summary>Writes the batch (filling it from the queue when it is empty); false when the store refused it, which leaves it to be written again.</summary>
    private async Task<(long Sequence, byte[] Hash, bool Written)> WriteBatchAsync(List<Queued> batch, long sequence, byte[] hash,
        CancellationToken cancellationToken)
    {
        while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }

        await _chain.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Records written inside management transactions may have moved the tail since the last batch.
            (sequence, hash) = _tail ??= (sequence, hash);
            if (batch.Count == 0)
            {
                return (sequence, hash, true);
            }

            var rows = new List<(long, string, byte[])>(batch.Count);
            var usages = new Dictionary<string, KeyLastUsage>(StringComparer.Ordinal);
            var (nextSequence, nextHash) = (sequence, hash);
            foreach (var (auditEvent, _, _) in batch)
            {
                var (now, eventId) = (time.GetUtcNow(), Guid.NewGuid());
                (var json, nextHash) = AuditRecordFormat.Chained(auditEvent, region, now, eventId, nextHash);
                rows.Add((++nextSequence, json, nextHash));
                NoteUsage(usages, auditEvent, now, eventId);
            }

            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await store.AppendAsync(rows, usages, cancellationToken).ConfigureAwait(false);
                BatchCommitted?.Invoke(System.Diagnostics.Stopwatch.GetElapsedTime(started));
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                Log.AuditWriteFailed(logger, batch.Count, e);
                NoteUnwritable(e);
                return (sequence, hash, false);
            }

            Volatile.Write(ref _unwritable, null);

            _tail = (nextSequence, nextHash);
            foreach (var (_, durable, bytes) in batch)
            {
                durable?.TrySetResult();
                Interlocked.Add(ref _queuedBytes, -bytes);
                Interlocked.Decrement(ref _queuedRecords);
            }

            batch.Clear();
            return (nextSequence, nextHash, true);
        }
        finally
        {
            _chain.Release();
        }
    }
}

/// <summary>An event waiting for the writer, with whoever waits for it to be durable and its estimated size.</summary>
internal sealed record Queued(AuditEvent Event, TaskCompletionSource? Durable, long Bytes);

/// <summary>One audit record reserved in the chain, to be written in a caller's transaction.</summary>
public sealed class AuditReservation(
    (long Sequence, string Json, byte[] Hash) row, Action<bool> complete) : IPendingAuditRow
{
    private bool _done;

    public (long Sequence, string Json, byte[] Hash) Row { get; } = row;

    public Task WriteAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken) =>
        AuditStore.AppendAsync(connection, transaction, [Row], cancellationToken);

    public void Committed()
    {
        _done = true;
        complete(true);
    }

    /// <summary>Without <see cref="Committed"/>, the transaction did not commit: the chain stays as it was.</summary>
    public void Dispose()
    {
        if (!_done)
        {
            _done = true;
            complete(false);
        }
    }
}
