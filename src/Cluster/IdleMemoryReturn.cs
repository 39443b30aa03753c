using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Gives memory back once a busy period is over. The collector keeps what a burst made it commit (it may need it again),
/// the C allocator keeps what SQLite and OpenSSL freed in its arenas, and a quiet process makes too few collections to
/// let either go: a Region that had just replicated 10,000 keys held 56 MB committed for 8.5 MB of live objects. At each
/// look, when the process was busy since memory was last returned and is quiet now (it allocated little since the last
/// look), one compacting collection and a trim of the C heap return the rest. Under load it never runs, and a process
/// that stays quiet pays for it once.
/// </summary>
public sealed partial class IdleMemoryReturn(TimeProvider time, ILogger<IdleMemoryReturn> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>Less than this allocated between two looks is quiet (a Region answering anti-entropy and health checks allocates about a fortieth).</summary>
    public const long QuietAllocationBytes = 64L * 1024 * 1024;

    /// <summary>Below this much committed there is nothing worth a collection to return.</summary>
    public const long WorthReturningBytes = 16L * 1024 * 1024;

    public static IServiceCollection AddTo(IServiceCollection services) =>
        services.AddHostedService(sp => new IdleMemoryReturn(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<IdleMemoryReturn>>()));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var allocated = GC.GetTotalAllocatedBytes();
        var periods = new BusyPeriods();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
                if (periods.Look(GC.GetTotalAllocatedBytes() - allocated, before))
                {
                    // Aggressive: compacts and decommits every free region it can, which the collector's own
                    // collections keep committed for the next burst.
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    var trimmed = CHeap.Trim();
                    var after = GC.GetGCMemoryInfo();
                    Returned(logger, Megabytes(before), Megabytes(after.TotalCommittedBytes), Megabytes(after.HeapSizeBytes),
                        trimmed ? "trimmed" : "not trimmed (no malloc_trim here)");
                }

                allocated = GC.GetTotalAllocatedBytes();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Tells, look by look, when a busy period has just ended.</summary>
    public sealed class BusyPeriods
    {
        // Starting up is a busy period of its own (the runtime compiling, the store opening).
        private bool _busySinceLastReturn = true;

        /// <summary>True once per busy period: at the first quiet look after it, when enough is committed to return.</summary>
        public bool Look(long allocatedSinceLastLook, long committedBytes)
        {
            if (allocatedSinceLastLook >= QuietAllocationBytes)
            {
                _busySinceLastReturn = true;
                return false;
            }

            if (!_busySinceLastReturn || committedBytes <= WorthReturningBytes)
            {
                return false;
            }

            _busySinceLastReturn = false;
            return true;
        }
    }

    private static double Megabytes(long bytes) => bytes / (1024.0 * 1024.0);

    [LoggerMessage(900, LogLevel.Information,
        "Quiet after a busy period: returned memory to the system, managed heap committed {Before:0.0} MB -> {After:0.0} MB for {Heap:0.0} MB of live objects; C heap {CHeap}")]
    private static partial void Returned(ILogger logger, double before, double after, double heap, string cHeap);
}
