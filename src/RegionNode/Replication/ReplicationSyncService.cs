using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Hosting;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Anti-entropy: on every tick, repeats to other Regions whatever they have not acknowledged in time.</summary>
public sealed class ReplicationSyncService(ReplicationReceiver receiver, SyncSettings settings, TimeProvider time, ILogger<ReplicationSyncService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    var repeated = await receiver.AntiEntropyAsync(stoppingToken).ConfigureAwait(false);
                    if (repeated > 0)
                    {
                        Log.AntiEntropyRepeated(logger, repeated);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.MaintenanceFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The node is stopping.
        }
    }
}
