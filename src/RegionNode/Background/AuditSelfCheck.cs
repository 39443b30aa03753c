using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Telemetry;

namespace Grpc.Mrk.RegionNode.Background;

/// <summary>How often the Region checks its own audit log; <see cref="TimeSpan.Zero"/> for never.</summary>
public sealed record AuditCheckSchedule(TimeSpan Interval);

/// <summary>
/// Checks the Region's audit log against its own hash chain and signed digests on a schedule, as `mrk audit verify`
/// does on request, so a log altered behind the node's back is found without anyone asking: the result is counted in
/// <c>mrk_audit_verifications_total</c> (the <c>MrkAuditVerificationFailed</c> alert) and a broken log is logged as an
/// error with the first record where it breaks. Checking against the copies of the digests held elsewhere stays with
/// `mrk audit verify --against-controlplane`, which an operator runs.
/// </summary>
public sealed class AuditSelfCheck(AuditVerifier verifier, NodeMetrics metrics, TimeProvider time, AuditCheckSchedule schedule,
    ILogger<AuditSelfCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (schedule.Interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(schedule.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The node is stopping.
        }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await verifier.VerifyAsync([], null, cancellationToken).ConfigureAwait(false);
            metrics.AuditVerified(result.Valid);
            if (result.Valid)
            {
                Log.AuditLogVerified(logger, result.RecordsChecked, result.DigestsChecked);
            }
            else
            {
                Log.AuditLogBroken(logger, result.FirstBadSequence, result.Problem);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // The store could not be read this time (busy, an I/O error): not a verdict on the log; the next round tries again.
            Log.AuditCheckFailed(logger, e);
        }
    }
}
