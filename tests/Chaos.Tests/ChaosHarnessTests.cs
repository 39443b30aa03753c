using Grpc.Mrk.Chaos.Network;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>
/// The bounded CI version of `mrk-chaos run`: real processes, real faults. It puts each process in a network namespace
/// of its own so iptables partitions join the proxy's faults (MRK_SKIP_NETNS=1 runs it on 127.0.0.1 with the proxy's
/// faults only). The seed is fixed so a failure is reproducible (MRK_CHAOS_SEED replays or explores another). A class
/// apart from the fuzz test so the two run side by side: this one mostly waits on faults and timeouts.
/// </summary>
public sealed class ChaosHarnessTests(ITestOutputHelper output)
{
    internal static int Seed => int.TryParse(Environment.GetEnvironmentVariable("MRK_CHAOS_SEED"), out var seed) ? seed : 1;

    [Fact]
    public async Task TwentySeededIterations_WithFaults_LoseNothing()
    {
        var namespaces = !NetnsRequirement.SkipAsked;
        if (namespaces)
        {
            await NetnsRequirement.AssertAvailableAsync();
        }

        var settings = new ChaosSettings
        {
            Seed = Seed, Iterations = 20, OperationsPerIteration = 40, Workers = 4, IterationTime = TimeSpan.FromSeconds(5),
            MaxDuration = TimeSpan.FromMinutes(10), Network = namespaces ? ChaosNetwork.Namespaces : ChaosNetwork.Loopback,
            // The faults of processes and links; those of clocks and disks have a run of their own below.
            Faults = [.. Nemesis.Kinds, .. namespaces ? Nemesis.NamespaceKinds : []],
        };
        // About 3 minutes alone and 6 beside the fuzz test on 2 cores; the bound on iterations is only a backstop.
        var (figures, folder) = await ChaosRun.RunAsync(settings, output.WriteLine, CancellationToken.None).WithTimeout(TimeSpan.FromMinutes(12));
        output.WriteLine(ChaosReport.Table(figures));
        Assert.True(figures.Violations.Count == 0, $"violations (data and history kept in {folder}):\n{string.Join("\n", figures.Violations)}");
        Assert.Equal(0, figures.Count(Outcome.Internal));
        Assert.Equal(20, figures.Iterations);
        Assert.True(figures.Faults.Values.Sum() >= 20, $"only {figures.Faults.Values.Sum()} faults injected");
        Assert.True(figures.Faults.Count >= 5, $"only {figures.Faults.Count} kinds of fault injected");
        Assert.True(figures.Faults.Where(f => f.Key.EndsWith("-mid-batch", StringComparison.Ordinal)).Sum(f => f.Value) >= 2,
            "fewer than two faults struck a batch in flight");
        if (namespaces)
        {
            Assert.True(Nemesis.NamespaceKinds.Sum(k => figures.Faults.GetValueOrDefault(k)) >= 1, "no iptables partition injected");
        }

        Assert.True(figures.Count(Outcome.Acknowledged) >= 200, $"only {figures.Count(Outcome.Acknowledged)} operations acknowledged");
        Assert.True(figures.Checks["acknowledged ciphertext decrypts in every Region of its set"] >= 100);
        Assert.True(figures.Checks["every acknowledged management call has exactly one audit record"] >= 20);
    }

    /// <summary>
    /// No single ControlPlane: three replicas on a three-server NATS log, with replicas and log servers killed, paused
    /// and cut off from each other beside Region faults; nothing is lost and every check holds.
    /// </summary>
    [Fact]
    public async Task ReplicatedRelay_ReplicaAndLogServerFaults_LoseNothing()
    {
        var settings = new ChaosSettings
        {
            Seed = Seed, Iterations = 5, OperationsPerIteration = 40, Workers = 4, IterationTime = TimeSpan.FromSeconds(6),
            MaxDuration = TimeSpan.FromMinutes(8), Network = ChaosNetwork.Loopback, ReplicatedRelay = true,
            Faults = [.. Nemesis.ReplicatedRelayKinds, "kill-region"],
        };
        var (figures, folder) = await ChaosRun.RunAsync(settings, output.WriteLine, CancellationToken.None).WithTimeout(TimeSpan.FromMinutes(10));
        output.WriteLine(ChaosReport.Table(figures));
        Assert.True(figures.Violations.Count == 0, $"violations (data and history kept in {folder}):\n{string.Join("\n", figures.Violations)}");
        Assert.Equal(0, figures.Count(Outcome.Internal));
        Assert.Equal(5, figures.Iterations);
        Assert.True(Nemesis.ReplicatedRelayKinds.Sum(k => figures.Faults.GetValueOrDefault(k)) >= 2,
            $"only {Nemesis.ReplicatedRelayKinds.Sum(k => figures.Faults.GetValueOrDefault(k))} replica or log server faults injected");
        Assert.True(figures.Count(Outcome.Acknowledged) >= 50, $"only {figures.Count(Outcome.Acknowledged)} operations acknowledged");
        Assert.True(figures.Checks["no key material outside its Region's store"] >= 1);
    }

    /// <summary>
    /// Faults below the process: Regions' clocks jump forward and back and run skewed (libfaketime), a Region is
    /// restored from a backup with its clock set back, a Region's disk fills up, its fsync stalls for seconds, and it
    /// loses power (unsynced writes dropped, torn half the time). Due dates come due by the Regions' own clocks and never early, nothing is undone or redone when
    /// a clock goes back, a full disk is refused clearly and recovers without a restart, a stalled disk answers by the
    /// deadline, a power cut loses nothing acknowledged, and every other invariant holds. This machine must allow all
    /// of them (scripts/test.sh installs libfaketime, python3-fusepy and fuse3; loop devices and FUSE need root): a
    /// fault that cannot be injected fails the test, it is never counted as passed.
    /// </summary>
    [Fact]
    public async Task FaultsBelowTheProcess_DueDatesHold_DisksFullSlowOrCutLoseNothing()
    {
        var settings = new ChaosSettings
        {
            Seed = Seed, Iterations = 9, OperationsPerIteration = 40, Workers = 4, IterationTime = TimeSpan.FromSeconds(6),
            MaxDuration = TimeSpan.FromMinutes(9), Network = ChaosNetwork.Loopback,
            // Nine kinds, each drawn once before any comes again: nine iterations meet them all.
            Faults = [.. Clocks.ClockFaults.Kinds, .. Disks.DiskFaults.Kinds, .. Disks.PowerAndStallFaults.Kinds],
        };
        var (figures, folder) = await ChaosRun.RunAsync(settings, output.WriteLine, CancellationToken.None).WithTimeout(TimeSpan.FromMinutes(10));
        output.WriteLine(ChaosReport.Table(figures));
        Assert.True(figures.Skipped.Count == 0, $"faults this machine cannot inject: {string.Join("; ", figures.Skipped.Select(s => $"{s.Key}: {s.Value}"))}");
        Assert.True(figures.Violations.Count == 0, $"violations (data and history kept in {folder}):\n{string.Join("\n", figures.Violations)}");
        Assert.Equal(0, figures.Count(Outcome.Internal));
        Assert.Equal(settings.Iterations, figures.Iterations);
        Assert.True(figures.Faults.GetValueOrDefault("disk-full") >= 1, "no disk filled");
        Assert.True(figures.Faults.GetValueOrDefault("power-cut") >= 1, "no power cut");
        Assert.True(figures.Faults.GetValueOrDefault("slow-disk") >= 1, "no fsync stalled");
        Assert.True(figures.Faults.GetValueOrDefault("restore-with-clock-back") >= 1, "no Region restored with its clock set back");
        Assert.True(figures.Checks.GetValueOrDefault("rebuild: what a rebuilt Region sends before rebuild-region is taken, its clock set back") >= 1,
            "no Region rebuilt with its clock set back");
        Assert.True(Clocks.ClockFaults.Kinds.Count(k => figures.Faults.GetValueOrDefault(k) > 0) >= 2, "fewer than two kinds of clock fault injected");
        Assert.True(figures.Checks.GetValueOrDefault("clock: no rotation runs early or twice when a clock jumps") >= 2);
        Assert.True(figures.Checks.GetValueOrDefault("disk: a change is refused with an AWS error that says the disk is full") >= 1);
    }

    [Fact]
    public async Task AStoppedRun_StopsItsProcesses_KeepsItsFolder_AndSaysSo()
    {
        var settings = new ChaosSettings
        {
            Seed = Seed, Iterations = 50, OperationsPerIteration = 40, Workers = 4, IterationTime = TimeSpan.FromSeconds(5),
            MaxDuration = TimeSpan.FromMinutes(10), Network = ChaosNetwork.Loopback, Faults = Nemesis.Kinds,
        };
        using var stop = new CancellationTokenSource();
        var lines = new List<string>();
        void Progress(string line)
        {
            output.WriteLine(line);
            lock (lines)
            {
                lines.Add(line);
                if (line.StartsWith("iteration 1/", StringComparison.Ordinal))
                {
                    // As Ctrl-C does: during the second iteration's workload.
                    stop.CancelAfter(TimeSpan.FromSeconds(2));
                }
            }
        }

        var (figures, folder) = await ChaosRun.RunAsync(settings, Progress, stop.Token).WithTimeout(TimeSpan.FromMinutes(5));
        try
        {
            Assert.True(figures.Interrupted);
            Assert.Equal(1, figures.Iterations);
            Assert.Empty(figures.Violations);
            Assert.Contains("interrupted", ChaosReport.Table(figures), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder, "history.jsonl")), "the folder of a stopped run is kept");
            Assert.Equal(0, ProcessesMentioning(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Live processes whose command line names <paramref name="text"/> (the run's folder: its nodes' data directories).</summary>
    private static int ProcessesMentioning(string text)
    {
        var count = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                count += File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(text, StringComparison.Ordinal) ? 1 : 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a process, or one that ended while being read.
            }
        }

        return count;
    }
}
