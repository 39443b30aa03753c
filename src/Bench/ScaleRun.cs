using System.Diagnostics;
using System.Globalization;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Bench;

/// <summary>What the scale run measured.</summary>
public sealed record ScaleResult(int Keys, int ReplicaRegions, double CreateSeconds, double ReplicateSeconds, double TotalSeconds,
    double QuietAfterSeconds, IReadOnlyList<ProcessFigures> Processes);

/// <summary>One cluster process after the scale run: memory, store size and CPU while the cluster is idle.</summary>
public sealed record ProcessFigures(string Name, int? Pid, double? RssMb, double? StoreMb, double? IdleCpuPercentOfCore);

/// <summary>
/// Creates many multi-Region keys in one Region, replicates each to the others, waits until every replica is Enabled,
/// then reads each local process's RSS and store size from /proc and its data folder and its CPU over an idle window
/// (when the only work left is anti-entropy).
/// </summary>
public sealed class ScaleRun(string primaryRegion, MrkClient primary, IReadOnlyDictionary<string, MrkClient> replicas, int concurrency,
    TimeSpan timeout)
{
    public async Task<ScaleResult> RunAsync(int count, string? dataFolder, TimeSpan settle, TimeSpan idle, Action<string> progress)
    {
        var total = Stopwatch.StartNew();
        var keys = new string[count];
        await ForEachAsync(count, async i => keys[i] = await CrossRegion.CreateMultiRegionKeyAsync(primary).ConfigureAwait(false),
            n => progress($"created {n}/{count}")).ConfigureAwait(false);
        var createSeconds = total.Elapsed.TotalSeconds;

        var replicate = Stopwatch.StartNew();
        var pairs = keys.SelectMany(key => replicas.Keys.Select(region => (key, region))).ToArray();
        await ForEachAsync(pairs.Length, i => primary.CallAsync((k, o) => k.ReplicateKeyAsync(new ReplicateKeyRequest
        {
            KeyId = pairs[i].key, ReplicaRegion = pairs[i].region,
        }, o)), n => progress($"ReplicateKey {n}/{pairs.Length}")).ConfigureAwait(false);
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        await ForEachAsync(pairs.Length, async i =>
        {
            while (!await CrossRegion.IsEnabledAsync(replicas[pairs[i].region], pairs[i].key).ConfigureAwait(false))
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"{pairs[i].key} not Enabled in {pairs[i].region} within {timeout.TotalSeconds:0} s");
                }

                // Coarse on purpose: polling every replica often would load the cluster it measures (and fill its audit logs).
                await Task.Delay(250).ConfigureAwait(false);
            }

            return true;
        }, n => progress($"Enabled {n}/{pairs.Length}")).ConfigureAwait(false);
        var replicateSeconds = replicate.Elapsed.TotalSeconds;
        var totalSeconds = total.Elapsed.TotalSeconds;

        // Acknowledgements and the last shared-state updates still flow after the last replica is Enabled: wait until
        // the cluster's processes together use under 5% of a core for two 5 s windows in a row (at most `settle`).
        progress($"waiting for the cluster to go quiet (at most {settle.TotalSeconds:0} s), then measuring CPU for {idle.TotalSeconds:0} s");
        var processes = LocalProcesses.Find(replicas.Keys.Prepend(primaryRegion), dataFolder);
        var quiet = await QuietAfterAsync(processes, settle).ConfigureAwait(false);
        var before = processes.ToDictionary(p => p.Name, p => LocalProcesses.CpuSeconds(p.Pid));
        await Task.Delay(idle).ConfigureAwait(false);
        var figures = processes.Select(p =>
        {
            var cpu = LocalProcesses.CpuSeconds(p.Pid) - before[p.Name];
            return new ProcessFigures(p.Name, p.Pid, LocalProcesses.RssMb(p.Pid),
                dataFolder is null ? null : LocalProcesses.StoreMb(Path.Combine(dataFolder, p.Store)),
                cpu is null ? null : 100 * cpu / idle.TotalSeconds);
        }).ToList();
        return new ScaleResult(count, replicas.Count, createSeconds, replicateSeconds, totalSeconds, quiet, figures);
    }

    private static async Task<double> QuietAfterAsync(IReadOnlyList<LocalProcesses.Found> processes, TimeSpan atMost)
    {
        var waited = Stopwatch.StartNew();
        var window = TimeSpan.FromSeconds(5);
        for (var calm = 0; calm < 2 && waited.Elapsed < atMost;)
        {
            var before = processes.Sum(p => LocalProcesses.CpuSeconds(p.Pid) ?? 0);
            await Task.Delay(window).ConfigureAwait(false);
            var used = processes.Sum(p => LocalProcesses.CpuSeconds(p.Pid) ?? 0) - before;
            calm = used / window.TotalSeconds < 0.05 ? calm + 1 : 0;
        }

        return waited.Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="action"/> for 0..count-1 from a fixed number of workers, reporting progress now and then.</summary>
    private async Task ForEachAsync<T>(int count, Func<int, Task<T>> action, Action<int> progress)
    {
        var next = -1;
        var done = 0;
        var step = Math.Clamp(count / 20, 1, 1000);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await action(i).ConfigureAwait(false);
                if (Interlocked.Increment(ref done) % step == 0)
                {
                    progress(done);
                }
            }
        })).ConfigureAwait(false);
    }
}

/// <summary>The local cluster's processes, found by their command lines in /proc (Linux only; figures are null elsewhere).</summary>
public static class LocalProcesses
{
    /// <summary>A process and its store's folder (relative to the cluster's data folder).</summary>
    public sealed record Found(string Name, int? Pid, string Store);

    /// <summary>
    /// The RegionNode of each Region and the ControlPlane. With <paramref name="dataFolder"/>, a process whose command line
    /// names its own folder under it is preferred, so other clusters on the machine (another test's, another user's) are
    /// not measured instead; a cluster started with `scripts/run-local.sh --ha` (folders controlplane-0..2 and
    /// relay-log/n0..2 there) gives each ControlPlane replica and each relay log server.
    /// </summary>
    public static IReadOnlyList<Found> Find(IEnumerable<string> regions, string? dataFolder = null)
    {
        var commandLines = Directory.Exists("/proc")
            ? Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d))
                .Where(n => int.TryParse(n, out _))
                .Select(n => (Pid: int.Parse(n, CultureInfo.InvariantCulture), Line: Read($"/proc/{n}/cmdline")?.Replace('\0', ' ')))
                .Where(p => p.Line is not null)
                .ToList()
            : [];
        int? PidOf(string dll, string? region)
        {
            var candidates = commandLines
                .Where(p => p.Line!.Contains(dll, StringComparison.Ordinal) && (region is null || p.Line.Contains($"--region {region} ", StringComparison.Ordinal)))
                .ToList();
            var own = dataFolder is null ? null : Path.Combine(Path.GetFullPath(dataFolder), region ?? "controlplane");
            var preferred = own is null ? [] : candidates.Where(p => p.Line!.Contains(own, StringComparison.Ordinal)).ToList();
            var pick = preferred.Count > 0 ? preferred[0] : candidates.FirstOrDefault();
            return pick.Line is null ? null : pick.Pid;
        }
        List<Found> found = [.. regions.Select(r => new Found(r, PidOf("Grpc.Mrk.RegionNode", r), r))];
        if (dataFolder is not null && Directory.Exists(Path.Combine(dataFolder, "controlplane-0")))
        {
            for (var i = 0; Directory.Exists(Path.Combine(dataFolder, $"controlplane-{i}")); i++)
            {
                var own = Path.Combine(Path.GetFullPath(dataFolder), $"controlplane-{i}") + " ";
                var replica = commandLines.Where(p => p.Line!.Contains("Grpc.Mrk.ControlPlane", StringComparison.Ordinal) && p.Line.Contains(own, StringComparison.Ordinal))
                    .Select(p => (int?)p.Pid).FirstOrDefault();
                found.Add(new Found($"controlplane-{i}", replica, $"controlplane-{i}"));
                var configuration = Path.Combine(Path.GetFullPath(dataFolder), "relay-log", $"n{i}.conf");
                var server = commandLines.Where(p => p.Line!.Contains("nats-server", StringComparison.Ordinal) && p.Line.Contains(configuration, StringComparison.Ordinal))
                    .Select(p => (int?)p.Pid).FirstOrDefault();
                found.Add(new Found($"relay-log-n{i}", server, Path.Combine("relay-log", $"n{i}")));
            }

            return found;
        }

        found.Add(new Found("controlplane", PidOf("Grpc.Mrk.ControlPlane", null), "controlplane"));
        return found;
    }

    public static double? RssMb(int? pid)
    {
        var status = pid is null ? null : Read($"/proc/{pid}/status");
        var line = status?.Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>User plus system CPU seconds the process has used so far.</summary>
    public static double? CpuSeconds(int? pid)
    {
        var stat = pid is null ? null : Read($"/proc/{pid}/stat");
        if (stat is null)
        {
            return null;
        }

        // Fields after the command name (which may hold spaces) start at state; utime and stime are the 14th and 15th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        const double ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture the product runs on
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ticksPerSecond;
    }

    /// <summary>The SQLite files in a process's folder, or every file under a relay log server's (its JetStream store).</summary>
    public static double? StoreMb(string folder) => Directory.Exists(folder)
        ? (Path.GetFileName(Path.GetDirectoryName(folder)) == "relay-log"
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            : Directory.EnumerateFiles(folder, "*.db*")).Sum(f => new FileInfo(f).Length) / (1024.0 * 1024.0)
        : null;

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
