using System.Diagnostics;
using Grpc.Mrk.Chaos.Clocks;
using Grpc.Mrk.Chaos.Disks;
using Grpc.Mrk.Chaos.Network;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// A whole run: start the cluster, then per iteration run the workload with the nemesis beside it, heal, wait for
/// convergence and check; a full check (audit logs, secret scan, every acknowledged result) at the end.
/// </summary>
public static class ChaosRun
{
    /// <summary>Sets no call of an iteration touched that are checked after it anyway, in turn (<see cref="Ledger.TakeForCheck"/>).</summary>
    private const int UntouchedPerIteration = 20;

    /// <summary>
    /// Runs the iterations; <paramref name="progress"/> gets a line per iteration (the run's log), <paramref name="phase"/>
    /// what the run is doing now (for a progress line in a terminal).
    /// </summary>
    public static async Task<(RunFigures Figures, string Folder)> RunAsync(ChaosSettings settings, Action<string> progress, CancellationToken cancellationToken,
        Action<string>? phase = null)
    {
        phase ??= _ => { };
        phase("starting the cluster");
        var folder = settings.Folder ?? Path.Combine(Path.GetTempPath(), $"mrk-chaos-{settings.Seed}-{Guid.NewGuid():N}"[..32]);
        Directory.CreateDirectory(folder);
        var figures = new RunFigures
        {
            Seed = settings.Seed,
            Network = (settings.Network == ChaosNetwork.Namespaces ? "network namespaces" : "loopback")
                      + (settings.ReplicatedRelay ? ", replicated relay (3 ControlPlanes, 3 NATS servers)" : string.Empty),
        };
        var clock = Stopwatch.StartNew();
        var clocks = MovableClocks(settings, folder, figures);
        var disks = await OwnDisksAsync(settings, folder, figures).ConfigureAwait(false);
        var faultFs = await FaultFsAsync(settings, folder, disks, figures).ConfigureAwait(false);
        using var history = new History(Path.Combine(folder, "history.jsonl"), settings.Seed, settings.Describe());
        await using (var cluster = await StartClusterAsync(settings, folder, clocks, disks, faultFs, cancellationToken).ConfigureAwait(false))
        {
            var ledger = new Ledger();
            var clockFaults = clocks is null ? null : new ClockFaults(cluster, clocks, history, figures);
            var workload = new Workload(cluster, ledger, history, figures, clockFaults?.Deletions);
            var nemesis = new Nemesis(cluster, history, figures, workload.BurstAsync, new StoreLoss(cluster, ledger, history, figures), settings.Faults,
                clockFaults, disks is null ? null : new DiskFaults(cluster, disks, ledger, history, figures),
                faultFs is null ? null : new PowerAndStallFaults(cluster, faultFs, history, figures));
            var checker = new InvariantChecker(cluster, ledger, history, figures, clockFaults?.Expected);
            var faults = new Random(settings.Seed);
            var healed = true;
            try
            {
                for (var iteration = 1; iteration <= settings.Iterations && clock.Elapsed < settings.MaxDuration; iteration++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var started = clock.Elapsed;
                    using var stopFaults = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    phase($"iteration {iteration}/{settings.Iterations}: workload and faults");
                    var injecting = nemesis.RunAsync(faults, iteration, stopFaults.Token);
                    await workload.RunAsync(settings.Seed, iteration, settings.Workers, settings.OperationsPerIteration, settings.IterationTime)
                        .WaitAsync(cancellationToken).ConfigureAwait(false);
                    await stopFaults.CancelAsync().ConfigureAwait(false);
                    await injecting.ConfigureAwait(false);
                    var faulted = clock.Elapsed;
                    var scope = ledger.TakeForCheck(UntouchedPerIteration);
                    phase($"iteration {iteration}/{settings.Iterations}: settling");
                    healed = await checker.SettleAsync(scope, cancellationToken).ConfigureAwait(false);
                    if (!healed)
                    {
                        break;
                    }

                    var settled = clock.Elapsed;
                    phase($"iteration {iteration}/{settings.Iterations}: checking {scope.Count} sets");
                    await checker.CheckAsync(iteration, scope, final: false, cancellationToken).ConfigureAwait(false);
                    figures.Iterations = iteration;
                    progress($"iteration {iteration}/{settings.Iterations}: {figures.Count(Outcome.Acknowledged)} acknowledged, "
                             + $"{figures.Faults.Values.Sum()} faults, {figures.Checks.Values.Sum()} checks, {figures.Violations.Count} violations, "
                             + $"{scope.Count} of {ledger.Sets.Count} sets checked "
                             + $"({Seconds(faulted - started)} workload and faults, {Seconds(settled - faulted)} settling, {Seconds(clock.Elapsed - settled)} checking)");
                }

                var everything = ledger.Sets.Values.OrderBy(s => s.Ordinal).ToList();
                phase($"final check of {everything.Count} sets");
                if (healed && await checker.SettleAsync(everything, cancellationToken).ConfigureAwait(false))
                {
                    await checker.CheckAsync(null, everything, final: true, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && Interruption.IsCancellation(e))
            {
                // Stopped by the user: report what completed, keep the folder, stop the cluster (below) without a trace.
                figures.Interrupted = true;
                progress($"interrupted after {figures.Iterations} complete iterations; stopping the cluster");
            }
        }

        figures.Elapsed = clock.Elapsed;
        if (figures.Violations.Count == 0 && figures.Count(Outcome.Internal) == 0 && !figures.Interrupted && !settings.Keep && settings.Folder is null)
        {
            Directory.Delete(folder, recursive: true);
        }

        return (figures, folder);
    }

    /// <summary>
    /// The Regions' movable clocks when the run draws clock faults; without libfaketime those faults are reported as
    /// skipped and the Regions read the machine's clock.
    /// </summary>
    private static RegionClocks? MovableClocks(ChaosSettings settings, string folder, RunFigures figures)
    {
        var wanted = ClockFaults.Kinds.Where(k => settings.Faults is null || settings.Faults.Contains(k)).ToList();
        if (wanted.Count == 0)
        {
            return null;
        }

        var clocks = RegionClocks.TryCreate(Path.Combine(folder, "clocks"), ChaosCluster.Regions);
        foreach (var kind in clocks is null ? wanted : [])
        {
            figures.Skip(kind, RegionClocks.Unavailable() ?? "unavailable");
        }

        return clocks;
    }

    /// <summary>
    /// A filesystem of its own for each Region's data when the run draws disk faults; where the machine cannot mount
    /// one, those faults are reported as skipped and the data stays in plain folders.
    /// </summary>
    private static async Task<RegionDisks?> OwnDisksAsync(ChaosSettings settings, string folder, RunFigures figures)
    {
        var wanted = DiskFaults.Kinds.Where(k => settings.Faults is null || settings.Faults.Contains(k)).ToList();
        if (wanted.Count == 0)
        {
            return null;
        }

        var (disks, unavailable) = await RegionDisks.TryCreateAsync(Path.Combine(folder, "disks"), ChaosCluster.Regions).ConfigureAwait(false);
        foreach (var kind in disks is null ? wanted : [])
        {
            figures.Skip(kind, unavailable ?? "unavailable");
        }

        return disks;
    }

    /// <summary>faultfs below each Region's data when the run draws slow-disk or power-cut faults; skipped (and said) where the machine has no FUSE.</summary>
    private static async Task<RegionFaultFs?> FaultFsAsync(ChaosSettings settings, string folder, RegionDisks? disks, RunFigures figures)
    {
        var wanted = PowerAndStallFaults.Kinds.Where(k => settings.Faults is null || settings.Faults.Contains(k)).ToList();
        if (wanted.Count == 0)
        {
            return null;
        }

        var (faultFs, unavailable) = await RegionFaultFs.TryCreateAsync(Path.Combine(folder, "fs"), ChaosCluster.Regions,
            region => ChaosCluster.Backing(folder, disks, region)).ConfigureAwait(false);
        foreach (var kind in faultFs is null ? wanted : [])
        {
            figures.Skip(kind, unavailable ?? "unavailable");
        }

        return faultFs;
    }

    /// <summary>The cluster, which from then on unmounts the filesystems when it stops; they are unmounted here if it never starts.</summary>
    private static async Task<ChaosCluster> StartClusterAsync(ChaosSettings settings, string folder, RegionClocks? clocks, RegionDisks? disks,
        RegionFaultFs? faultFs, CancellationToken cancellationToken)
    {
        try
        {
            return await ChaosCluster.StartAsync(folder, settings.Network, cancellationToken, settings.ReplicatedRelay, clocks, disks, faultFs)
                .ConfigureAwait(false);
        }
        catch
        {
            if (faultFs is not null)
            {
                await faultFs.DisposeAsync().ConfigureAwait(false);
            }

            if (disks is not null)
            {
                await disks.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static string Seconds(TimeSpan elapsed) => $"{elapsed.TotalSeconds:F0} s";
}
