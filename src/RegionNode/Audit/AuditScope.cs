using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// The audit record a management call still owes. The API opens it before the call runs; the store writes it in the
/// same transaction as the call's change (and marks it written), so a change is never stored without its record.
/// </summary>
public sealed class PendingAudit(AuditEvent auditEvent)
{
    public AuditEvent Event { get; set; } = auditEvent;

    public bool Written { get; set; }
}

/// <summary>The pending record of the management call running on this async flow, if any.</summary>
public static class AuditScope
{
    private static readonly CallScoped<PendingAudit> Scope = new();

    public static PendingAudit? Current => Scope.Current;

    public static IDisposable Enter(PendingAudit pending) => Scope.Enter(pending);
}
