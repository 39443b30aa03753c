using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>The audit queue is bounded by refusing new calls, never by dropping what is queued.</summary>
public sealed class AuditQueueTests
{
    [Fact]
    public async Task PastItsByteBound_TheQueueSaysBackedUp_AndWritesEveryRecordOnceItRuns()
    {
        using var temp = new TempStore(auditWriting: false);
        var (store, log) = (temp.AuditRecords, temp.AuditLog);

        // Nothing writes yet: records of ~1 MiB each pile up until the queue is past its bound.
        var big = new Dictionary<string, object?> { ["note"] = new string('x', 512 * 1024) };
        var queued = 0;
        while (!log.IsBackedUp)
        {
            log.Record(new AuditEvent("Encrypt", AuditEvent.ApiCall, "arn:aws:iam::111122223333:user/alice", null, true, big));
            queued++;
            Assert.True(queued < 1000, "the queue never reported itself backed up");
        }

        Assert.InRange(queued, (int)(AuditLog.MaxQueuedBytes / (1024 * 1024)) - 1, (int)(AuditLog.MaxQueuedBytes / (1024 * 1024)) + 2);
        log.CountThrottled();
        log.CountThrottled();

        // Once the writer runs, every queued record is written, the queue drains, and the refusals are recorded once.
        await log.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(async () => !log.IsBackedUp && (await store.ReadAsync(0, 10_000, "ThrottledCalls", CancellationToken.None)).Count > 0,
            TimeSpan.FromSeconds(30), "the audit queue to drain");

        await log.StopAsync(CancellationToken.None);
        Assert.False(log.IsBackedUp);
        Assert.Equal(queued, (await store.ReadAsync(0, 10_000, "Encrypt", CancellationToken.None)).Count);
        var throttled = Assert.Single(await store.ReadAsync(0, 10, "ThrottledCalls", CancellationToken.None));
        Assert.Contains("\"count\":2", throttled.Json, StringComparison.Ordinal);
    }
}
