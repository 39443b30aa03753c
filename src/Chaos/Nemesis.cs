using Grpc.Mrk.Chaos.Clocks;
using Grpc.Mrk.Chaos.Disks;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// Injects one seeded fault at a time while the workload runs: SIGKILL and restart of a Region or the ControlPlane,
/// SIGSTOP/SIGCONT pauses, a Region's link to the ControlPlane reset, silenced or slowed by its proxy (or, in network
/// namespaces, dropped or rejected by iptables), a Region restarted without its domain key file (which must refuse to
/// start, clearly, and start again once the file is back), and faults aimed at a batch in flight: a Region sends a
/// burst of replication work (<paramref name="burst"/>), and while its batches travel the primary, a replica or the
/// ControlPlane is killed, or a link passes part of what it carries and is reset; and a Region's store lost and
/// restored from an online backup, or lost with no backup and rebuilt from the other Regions (<see cref="StoreLoss"/>).
/// With a replicated relay also a replica killed or paused, a log server killed or cut off from its peers.
/// </summary>
public sealed class Nemesis(ChaosCluster cluster, History history, RunFigures figures, Nemesis.Burst burst, StoreLoss? storeLoss = null,
    IReadOnlyList<string>? only = null, ClockFaults? clocks = null, DiskFaults? disks = null, PowerAndStallFaults? power = null)
{
    /// <summary>Starts <paramref name="keys"/> keys' worth of replication work from <paramref name="region"/> at once.</summary>
    public delegate Task Burst(string region, int keys, Random random, int iteration);

    public static readonly string[] Kinds =
    [
        "kill-region", "kill-controlplane", "pause-region", "pause-controlplane", "partition-reset", "partition-blackhole", "slow-link",
        "restart-without-domain-key", "kill-primary-mid-batch", "kill-replica-mid-batch", "kill-controlplane-mid-batch", "cut-link-mid-batch",
        "restore-region", "rebuild-region",
    ];

    /// <summary>Partitions made by iptables inside a Region's network namespace (only when the cluster runs in namespaces).</summary>
    public static readonly string[] NamespaceKinds = ["partition-iptables-drop", "partition-iptables-reject"];

    /// <summary>
    /// Faults of a replicated relay (only with one): a ControlPlane replica killed or paused, a log server killed, and
    /// a log server cut off from the others (the replica that uses it is then cut off from the log's majority).
    /// </summary>
    public static readonly string[] ReplicatedRelayKinds = ["kill-controlplane-replica", "pause-controlplane-replica", "kill-log-node", "partition-log-node"];

    private readonly string[] _kinds = Kinds.Concat(cluster.Network is null ? [] : NamespaceKinds).Concat(cluster.ReplicatedRelay ? ReplicatedRelayKinds : [])
        .Concat(clocks is null ? [] : ClockFaults.Kinds).Concat(disks is null ? [] : DiskFaults.Kinds).Concat(power is null ? [] : PowerAndStallFaults.Kinds)
        .Where(k => only is null || only.Contains(k)).DefaultIfEmpty("kill-region").ToArray();

    /// <summary>Faults, one after another, until <paramref name="until"/> is cancelled; each lasts a seeded 0.3-2 s (clock and disk faults longer, with their probes).</summary>
    public async Task RunAsync(Random random, int iteration, CancellationToken until)
    {
        while (!until.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1200)), until).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var kind = Draw(random);
            var region = ChaosCluster.Regions[random.Next(ChaosCluster.Regions.Length)];
            var duration = TimeSpan.FromMilliseconds(random.Next(300, 2000));
            var replica = random.Next(cluster.ControlPlanes.Count);
            if (kind.EndsWith("-log-node", StringComparison.Ordinal))
            {
                // Long enough, at times, for the log to elect new leaders (its election takes seconds).
                duration *= 3;
            }

            history.Write("fault", new Dictionary<string, object?>
            {
                ["iteration"] = iteration, ["kind"] = kind,
                ["target"] = kind switch
                {
                    _ when kind.EndsWith("-log-node", StringComparison.Ordinal) => $"relay-log-n{replica}",
                    _ when kind.EndsWith("-controlplane-replica", StringComparison.Ordinal) => $"controlplane-{replica}",
                    _ when kind.Contains("controlplane", StringComparison.Ordinal) => "controlplane",
                    _ => region,
                },
                ["durationMs"] = (int)duration.TotalMilliseconds,
            });
            figures.Fault(kind);
            if (kind.EndsWith("-mid-batch", StringComparison.Ordinal))
            {
                await MidBatchAsync(kind, region, duration, random, iteration).ConfigureAwait(false);
            }
            else
            {
                await InjectAsync(kind, region, duration, random, replica).ConfigureAwait(false);
            }
        }
    }

    private readonly Queue<string> _bag = new();

    /// <summary>
    /// Every kind once, in a seeded order, before any kind comes again: a short run still meets each fault it was
    /// given, and a long one meets them evenly.
    /// </summary>
    private string Draw(Random random)
    {
        if (_bag.Count == 0)
        {
            foreach (var kind in _kinds.OrderBy(_ => random.Next()))
            {
                _bag.Enqueue(kind);
            }
        }

        return _bag.Dequeue();
    }

    private async Task InjectAsync(string kind, string region, TimeSpan duration, Random random, int replica = 0)
    {
        switch (kind)
        {
            case "kill-controlplane-replica":
            case "kill-log-node":
                var victim = kind == "kill-log-node" ? cluster.LogServers[replica] : cluster.ControlPlanes[replica];
                await victim.KillAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                victim.Start();
                break;
            case "pause-controlplane-replica":
                await cluster.ControlPlanes[replica].PauseAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                await cluster.ControlPlanes[replica].ResumeAsync().ConfigureAwait(false);
                break;
            case "partition-log-node":
                cluster.SetRoutes(replica, LinkMode.Blackhole);
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.SetRoutes(replica, LinkMode.Open);
                break;
            case "kill-region":
                await cluster.Region(region).KillAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.Region(region).Start();
                break;
            case "kill-controlplane":
                await Task.WhenAll(cluster.ControlPlanes.Select(c => c.KillAsync())).ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                foreach (var controlPlane in cluster.ControlPlanes)
                {
                    controlPlane.Start();
                }

                break;
            case "pause-region":
                await cluster.Region(region).PauseAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                await cluster.Region(region).ResumeAsync().ConfigureAwait(false);
                break;
            case "pause-controlplane":
                await Task.WhenAll(cluster.ControlPlanes.Select(c => c.PauseAsync())).ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                await Task.WhenAll(cluster.ControlPlanes.Select(c => c.ResumeAsync())).ConfigureAwait(false);
                break;
            case "partition-reset":
            case "partition-blackhole":
                cluster.SetLink(region, kind == "partition-reset" ? LinkMode.Reset : LinkMode.Blackhole);
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.SetLink(region, LinkMode.Open);
                break;
            case "partition-iptables-drop":
            case "partition-iptables-reject":
                await cluster.CutAsync(region, reset: kind == "partition-iptables-reject").ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                await cluster.RestoreAsync(region).ConfigureAwait(false);
                break;
            case "cut-link-midway":
                cluster.SetLink(region, LinkMode.CutMidway);
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.SetLink(region, LinkMode.Open);
                break;
            case "slow-link":
                cluster.SetLink(region, LinkMode.Slow, TimeSpan.FromMilliseconds(random.Next(20, 200)));
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.SetLink(region, LinkMode.Open);
                break;
            case "restore-with-clock-back" when clocks is not null && storeLoss is not null:
                // A restored store with a clock set back: its peers must take what it sends (sequences from no clock).
                await storeLoss.RestoreAsync(region, duration, ClockFaults.Between(random, TimeSpan.FromMinutes(5), TimeSpan.FromDays(3))).ConfigureAwait(false);
                break;
            case "rebuild-with-clock-back" when clocks is not null && storeLoss is not null:
                // A store rebuilt from nothing with a clock set back: it has no sequence of its own to go on, so it asks.
                await storeLoss.RebuildAsync(region, duration, ClockFaults.Between(random, TimeSpan.FromMinutes(5), TimeSpan.FromDays(3))).ConfigureAwait(false);
                break;
            case "clock-jump-forward" or "clock-jump-back" or "clock-skew" when clocks is not null:
                await clocks.InjectAsync(kind, region, duration, random).ConfigureAwait(false);
                break;
            case "slow-disk" or "power-cut" when power is not null:
                await power.InjectAsync(kind, region, duration, random).ConfigureAwait(false);
                break;
            case "disk-full" when disks is not null:
                await disks.InjectAsync(region, duration).ConfigureAwait(false);
                break;
            case "restart-without-domain-key":
                await RestartWithoutDomainKeyAsync(region).ConfigureAwait(false);
                break;
            case "restore-region" when storeLoss is not null:
                await storeLoss.RestoreAsync(region, duration).ConfigureAwait(false);
                break;
            case "rebuild-region" when storeLoss is not null:
                await storeLoss.RebuildAsync(region, duration).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// <paramref name="region"/> sends a burst; after a seeded 20-250 ms (the burst's first batches are formed and on
    /// their way) the fault strikes: the sending primary, one receiving replica Region or the ControlPlane is killed, or
    /// the link of the sender or of a receiver passes part of its bytes and is reset. Whatever was cut short must be
    /// sent again and applied once.
    /// </summary>
    private async Task MidBatchAsync(string kind, string region, TimeSpan duration, Random random, int iteration)
    {
        var receivers = ChaosCluster.Regions.Where(r => r != region).ToList();
        var receiver = receivers[random.Next(receivers.Count)];
        var sending = burst(region, random.Next(8, 25), new Random(random.Next()), iteration);
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(20, 250))).ConfigureAwait(false);
        var (fault, target) = kind switch
        {
            "kill-primary-mid-batch" => ("kill-region", region),
            "kill-replica-mid-batch" => ("kill-region", receiver),
            "kill-controlplane-mid-batch" => ("kill-controlplane", region),
            _ => ("cut-link-midway", random.Next(2) == 0 ? region : receiver),
        };
        await InjectAsync(fault, target, duration, random).ConfigureAwait(false);

        // Every call of the burst has its own timeout; the burst ends within it once the fault is over.
        await sending.ConfigureAwait(false);
    }

    private async Task RestartWithoutDomainKeyAsync(string region)
    {
        var node = cluster.Region(region);
        var keyFile = Path.Combine(cluster.DataDirectory(region), "domain.key");
        var aside = keyFile + ".aside";
        await node.KillAsync().ConfigureAwait(false);
        File.Move(keyFile, aside);
        try
        {
            var logStart = new FileInfo(node.LogFile).Length;
            node.Start();
            var exit = await node.WaitForExitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            string tail;
            using (var stream = new FileStream(node.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                stream.Seek(logStart, SeekOrigin.Begin);
                tail = await new StreamReader(stream).ReadToEndAsync().ConfigureAwait(false);
            }

            var problem = exit switch
            {
                null => "started (or hung) without its domain key instead of refusing",
                0 => "exited with code 0 without its domain key",
                _ when !tail.Contains("domain key", StringComparison.OrdinalIgnoreCase) => $"refused with exit code {exit} but did not name the domain key",
                _ => null,
            };
            if (exit is null)
            {
                await node.KillAsync().ConfigureAwait(false);
            }

            figures.Check("refuses to start without its domain key", problem is null ? null : $"{region}: {problem}");
            history.Write("check", new Dictionary<string, object?> { ["invariant"] = "domain-key-refusal", ["region"] = region, ["exitCode"] = exit, ["problem"] = problem });
        }
        finally
        {
            File.Move(aside, keyFile);
        }

        node.Start();
    }
}
