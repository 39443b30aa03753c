using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// Unhealthy while the audit log cannot be written (its disk is full): every audited call is refused then, so the
/// Region reports NOT_SERVING through grpc.health.v1 until a record is written again.
/// </summary>
public sealed class AuditWritableCheck(AuditLog audit) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(audit.Unwritable is { } why
            ? HealthCheckResult.Unhealthy($"The audit log cannot be written: {why}.")
            : HealthCheckResult.Healthy());
}
