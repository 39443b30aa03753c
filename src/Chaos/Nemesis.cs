namespace Grpc.Mrk.Chaos;

/// <summary>
/// Injects one seeded fault at a time while the workload runs: SIGKILL and restart of a Region or the ControlPlane,
/// SIGSTOP/SIGCONT pauses, a Region's link to the ControlPlane reset, silenced or slowed by its proxy (or, in network
/// namespaces, dropped or rejected by iptables), and a Region restarted
/// without its domain key file (which must refuse to start, clearly, and start again once the file is back).
/// </summary>
public sealed class Nemesis(ChaosCluster cluster, History history, RunFigures figures)
{
    public static readonly string[] Kinds =
    [
        "kill-region", "kill-controlplane", "pause-region", "pause-controlplane", "partition-reset", "partition-blackhole", "slow-link",
        "restart-without-domain-key",
    ];

    /// <summary>Partitions made by iptables inside a Region's network namespace (only when the cluster runs in namespaces).</summary>
    public static readonly string[] NamespaceKinds = ["partition-iptables-drop", "partition-iptables-reject"];

    private readonly string[] _kinds = cluster.Network is null ? Kinds : [.. Kinds, .. NamespaceKinds];

    /// <summary>Faults, one after another, until <paramref name="until"/> is cancelled; each lasts a seeded 0.3-2 s.</summary>
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

            var kind = _kinds[random.Next(_kinds.Length)];
            var region = ChaosCluster.Regions[random.Next(ChaosCluster.Regions.Length)];
            var duration = TimeSpan.FromMilliseconds(random.Next(300, 2000));
            history.Write("fault", new Dictionary<string, object?>
            {
                ["iteration"] = iteration, ["kind"] = kind, ["target"] = kind.Contains("controlplane", StringComparison.Ordinal) ? "controlplane" : region,
                ["durationMs"] = (int)duration.TotalMilliseconds,
            });
            figures.Fault(kind);
            await InjectAsync(kind, region, duration, random).ConfigureAwait(false);
        }
    }

    private async Task InjectAsync(string kind, string region, TimeSpan duration, Random random)
    {
        switch (kind)
        {
            case "kill-region":
                await cluster.Region(region).KillAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.Region(region).Start();
                break;
            case "kill-controlplane":
                await cluster.ControlPlane.KillAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.ControlPlane.Start();
                break;
            case "pause-region":
                await cluster.Region(region).PauseAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                await cluster.Region(region).ResumeAsync().ConfigureAwait(false);
                break;
            case "pause-controlplane":
                await cluster.ControlPlane.PauseAsync().ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                await cluster.ControlPlane.ResumeAsync().ConfigureAwait(false);
                break;
            case "partition-reset":
            case "partition-blackhole":
                cluster.Link(region).Set(kind == "partition-reset" ? LinkMode.Reset : LinkMode.Blackhole);
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.Link(region).Set(LinkMode.Open);
                break;
            case "partition-iptables-drop":
            case "partition-iptables-reject":
                await cluster.CutAsync(region, reset: kind == "partition-iptables-reject").ConfigureAwait(false);
                await Task.Delay(duration).ConfigureAwait(false);
                await cluster.RestoreAsync(region).ConfigureAwait(false);
                break;
            case "slow-link":
                cluster.Link(region).Set(LinkMode.Slow, TimeSpan.FromMilliseconds(random.Next(20, 200)));
                await Task.Delay(duration).ConfigureAwait(false);
                cluster.Link(region).Set(LinkMode.Open);
                break;
            case "restart-without-domain-key":
                await RestartWithoutDomainKeyAsync(region).ConfigureAwait(false);
                break;
        }
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
