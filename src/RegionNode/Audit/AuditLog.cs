using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Hosting;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// The Region's audit log writer: events queue in memory and are appended in batches, one transaction per batch (group
/// commit), each record chained to the previous by SHA-256. A crypto call never waits for the disk; a management call
/// waits until its record is durable. Durability window: records of crypto calls still queued when the process dies
/// (at most one batch) are lost; acknowledged management calls always have their record.
/// </summary>
public sealed class AuditLog(AuditStore store, AuditSigningKey signingKey, RegionIdentity region, TimeProvider time, ILogger<AuditLog> logger)
    : BackgroundService, IAuditSink
{
    /// <summary>A signed digest seals the log after this many records, after this long with new records, and at shutdown.</summary>
    public const int DigestEveryRecords = 1000;

    public static readonly TimeSpan DigestEvery = TimeSpan.FromMinutes(1);

    private const int MaxBatch = 512;
    private readonly SemaphoreSlim _chain = new(1, 1);
    private (long Sequence, byte[] Hash)? _tail;
    private readonly Channel<(AuditEvent Event, TaskCompletionSource? Durable)> _queue =
        Channel.CreateBounded<(AuditEvent, TaskCompletionSource?)>(new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public void Record(AuditEvent auditEvent)
    {
        if (!_queue.Writer.TryWrite((auditEvent, null)))
        {
            Log.AuditQueueFull(logger, auditEvent.EventName);
        }
    }

    public async Task RecordDurablyAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync((auditEvent, durable), cancellationToken).ConfigureAwait(false);
        await durable.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            var json = AuditRecordFormat.Json(pending.Event, region, time.GetUtcNow(), Guid.NewGuid());
            var row = (sequence + 1, pending.Event.EventName, json, Chain(hash, json));
            return new AuditReservation(row, committed =>
            {
                if (committed)
                {
                    _tail = (row.Item1, row.Item4);
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
        var (sealedSequence, sealedAt) = (await store.LastSealedSequenceAsync(stoppingToken).ConfigureAwait(false), time.GetUtcNow());
        var batch = new List<(AuditEvent Event, TaskCompletionSource? Durable)>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                (sequence, hash) = await WriteBatchAsync(batch, sequence, hash, stoppingToken).ConfigureAwait(false);
                if (sequence > sealedSequence && (sequence - sealedSequence >= DigestEveryRecords || time.GetUtcNow() - sealedAt >= DigestEvery))
                {
                    await SealAsync(sequence, hash, stoppingToken).ConfigureAwait(false);
                    (sealedSequence, sealedAt) = (sequence, time.GetUtcNow());
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is queued and seal it, so a clean shutdown loses nothing and leaves no unsealed tail.
            (sequence, hash) = await WriteBatchAsync(batch, sequence, hash, CancellationToken.None).ConfigureAwait(false);
            if (sequence > sealedSequence)
            {
                await SealAsync(sequence, hash, CancellationToken.None).ConfigureAwait(false);
            }
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

    private async Task SealAsync(long sequence, byte[] hash, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = await signingKey.GetAsync(cancellationToken).ConfigureAwait(false);
        var signature = key.SignData(AuditDigest.SignedBytes(region.Region, sequence, hash, now), HashAlgorithmName.SHA384,
            DSASignatureFormat.Rfc3279DerSequence);
        await store.AppendDigestAsync(sequence, hash, now, signature, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(long Sequence, byte[] Hash)> WriteBatchAsync(List<(AuditEvent Event, TaskCompletionSource? Durable)> batch, long sequence,
        byte[] hash, CancellationToken cancellationToken)
    {
        batch.Clear();
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
                return (sequence, hash);
            }

            var rows = new List<(long, string, string, byte[])>(batch.Count);
            var (nextSequence, nextHash) = (sequence, hash);
            foreach (var (auditEvent, _) in batch)
            {
                var json = AuditRecordFormat.Json(auditEvent, region, time.GetUtcNow(), Guid.NewGuid());
                nextSequence++;
                nextHash = Chain(nextHash, json);
                rows.Add((nextSequence, auditEvent.EventName, json, nextHash));
            }

            try
            {
                await store.AppendAsync(rows, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                Log.AuditWriteFailed(logger, batch.Count, e);
                foreach (var (_, durable) in batch)
                {
                    durable?.TrySetException(e);
                }

                return (sequence, hash);
            }

            _tail = (nextSequence, nextHash);
            foreach (var (_, durable) in batch)
            {
                durable?.TrySetResult();
            }

            return (nextSequence, nextHash);
        }
        finally
        {
            _chain.Release();
        }
    }
}

/// <summary>One audit record reserved in the chain, to be written in a caller's transaction.</summary>
public sealed class AuditReservation(
    (long Sequence, string EventName, string Json, byte[] Hash) row, Action<bool> complete) : IDisposable
{
    private bool _done;

    public (long Sequence, string EventName, string Json, byte[] Hash) Row { get; } = row;

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
