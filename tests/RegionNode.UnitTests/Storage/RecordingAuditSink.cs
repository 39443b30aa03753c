using System.Collections.Concurrent;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>Keeps the audit events in memory, for tests of the domain.</summary>
internal sealed class RecordingAuditSink : IAuditSink
{
    public ConcurrentQueue<AuditEvent> Events { get; } = new();

    public void Record(AuditEvent auditEvent) => Events.Enqueue(auditEvent);

    public bool IsBackedUp => false;

    public void CountThrottled()
    {
    }

    public Task RecordDurablyAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        Events.Enqueue(auditEvent);
        return Task.CompletedTask;
    }
}
