using Grpc.Mrk.RegionNode.Domain.Operations;

namespace Grpc.Mrk.RegionNode.Background;

/// <summary>How often the maintenance pass runs.</summary>
public sealed record MaintenanceSchedule(TimeSpan Interval);

/// <summary>
/// Carries out what comes due with time: deletions whose waiting period ended, scheduled rotations, imported material
/// past its ValidTo and import tokens past their 24 hours.
/// </summary>
public sealed class KeyMaintenanceService(
    KeyLifecycleOperations lifecycle,
    RotationOperations rotation,
    ImportOperations imports,
    TimeProvider time,
    MaintenanceSchedule schedule,
    ILogger<KeyMaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(schedule.Interval, time);
        try
        {
            do
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
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
            foreach (var keyId in await lifecycle.DeleteDueKeysAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.KeyDeleted(logger, keyId);
            }

            foreach (var keyId in await rotation.RotateDueKeysAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.KeyRotated(logger, keyId);
            }

            foreach (var keyId in await imports.ExpireDueAsync(cancellationToken).ConfigureAwait(false))
            {
                Log.ImportedMaterialExpired(logger, keyId);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            Log.MaintenanceFailed(logger, e);
        }
    }
}
