using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// The audit record a management call still owes. The API opens it before the call runs and hands it to the domain
/// with the caller (<see cref="ICallRecord"/>); the store writes it in the same transaction as the call's change (and
/// marks it written), so a change is never stored without its record.
/// </summary>
public sealed class PendingAudit(AuditEvent auditEvent) : ICallRecord
{
    public AuditEvent Event { get; set; } = auditEvent;

    public bool Written { get; set; }
}
