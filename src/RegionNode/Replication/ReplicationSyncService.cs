using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Anti-entropy: on every tick, repeats to other Regions whatever they have not acknowledged in time, unless the
/// outbox is still sending a backlog: repeats exist to repair loss, and adding them to a queue that is merely slow
/// would only make it slower.
/// </summary>
public sealed class ReplicationSyncService(ReplicationReceiver receiver, RelayStore relay, SyncSettings settings, TimeProvider time,
    ILogger<ReplicationSyncService> logger) : BackgroundService
{
    /// <summary>Envelopes waiting for the ControlPlane above which a pass is skipped.</summary>
    public const int MaxBacklog = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    if (await relay.BacklogAsync(stoppingToken).ConfigureAwait(false) > MaxBacklog)
                    {
                        continue;
                    }

                    var repeated = await receiver.AntiEntropyAsync(stoppingToken).ConfigureAwait(false);
                    if (repeated > 0)
                    {
                        Log.AntiEntropyRepeated(logger, repeated);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.AntiEntropyFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The node is stopping.
        }
    }
}
