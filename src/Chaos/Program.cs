using System.CommandLine;
using Grpc.Mrk.Chaos;
using Grpc.Mrk.Chaos.Clocks;
using Grpc.Mrk.Chaos.Disks;
using Grpc.Mrk.Chaos.Network;
using Grpc.Mrk.Cluster;

// mrk-chaos: faults against a real local cluster with a seeded workload and an invariant checker; and a fuzzer.
var seed = new Option<int>("--seed") { Description = "seed of the workload's and the faults' draws", DefaultValueFactory = _ => 1 };
var iterations = new Option<int>("--iterations") { Description = "workload + faults + heal + check rounds", DefaultValueFactory = _ => 20 };
var operations = new Option<int>("--operations") { Description = "operations attempted per iteration", DefaultValueFactory = _ => 40 };
var workers = new Option<int>("--workers") { Description = "concurrent workload clients", DefaultValueFactory = _ => 4 };
var iterationSeconds = new Option<double>("--iteration-seconds") { Description = "upper bound of one iteration's workload", DefaultValueFactory = _ => 8 };
var maxMinutes = new Option<double>("--max-minutes") { Description = "no new iteration starts after this long", DefaultValueFactory = _ => 10 };
var folder = new Option<string?>("--folder") { Description = "data, logs and history.jsonl (default: a new temporary folder, removed after a clean run)" };
var network = new Option<string>("--network")
{
    Description = "loopback: every process on 127.0.0.1; namespaces: each in a network namespace of its own, adding iptables partitions "
                  + "(needs root, ip and iptables); auto: namespaces where the machine allows it",
    DefaultValueFactory = _ => "auto",
};
network.AcceptOnlyFromAmong("auto", "loopback", "namespaces");
var json = new Option<string?>("--json") { Description = "also write the figures as JSON to this file" };
var relay = new Option<string>("--relay")
{
    Description = "single: one ControlPlane with its SQLite queue; replicated: three ControlPlane replicas on a three-server NATS JetStream log "
                  + "(loopback only; needs nats-server), adding the faults of replicas and log servers",
    DefaultValueFactory = _ => "single",
};
relay.AcceptOnlyFromAmong("single", "replicated");
string[] allFaults = [.. Nemesis.Kinds, .. Nemesis.NamespaceKinds, .. Nemesis.ReplicatedRelayKinds, .. ClockFaults.Kinds, .. DiskFaults.Kinds, .. PowerAndStallFaults.Kinds];
var faults = new Option<string?>("--faults") { Description = $"comma-separated fault kinds to draw from (default: all): {string.Join(", ", allFaults)}" };
faults.Validators.Add(result =>
{
    var unknown = (result.GetValueOrDefault<string?>() ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(k => !allFaults.Contains(k)).ToList();
    if (unknown.Count > 0)
    {
        result.AddError($"unknown fault kinds: {string.Join(", ", unknown)}");
    }
});

var run = new Command("run", "Runs the seeded workload against a ControlPlane and three RegionNodes started here (on 127.0.0.1, or each in a network namespace of its own) while faults are injected, "
                             + "then heals and checks every invariant. Exit code 1 when anything was violated.")
{
    seed, iterations, operations, workers, iterationSeconds, maxMinutes, network, relay, folder, json, faults,
};
run.SetAction(async (parse, cancellationToken) =>
{
    var replicated = parse.GetValue(relay) == "replicated";
    var asked = replicated ? "loopback" : parse.GetValue(network);
    if (replicated && parse.GetValue(network) == "namespaces")
    {
        await Console.Error.WriteLineAsync("--relay replicated runs on loopback only: give --network loopback or auto").ConfigureAwait(false);
        return 2;
    }

    var unavailable = asked == "loopback" ? null : await NamespaceNetwork.UnavailableAsync().ConfigureAwait(false);
    if (unavailable is not null && asked == "namespaces")
    {
        await Console.Error.WriteLineAsync($"network namespaces cannot be used here: {unavailable}").ConfigureAwait(false);
        return 2;
    }

    if (unavailable is not null)
    {
        await Console.Error.WriteLineAsync($"running on loopback: network namespaces cannot be used here ({unavailable})").ConfigureAwait(false);
    }

    var settings = new ChaosSettings
    {
        Seed = parse.GetValue(seed), Iterations = parse.GetValue(iterations), OperationsPerIteration = parse.GetValue(operations),
        Workers = parse.GetValue(workers), IterationTime = TimeSpan.FromSeconds(parse.GetValue(iterationSeconds)),
        MaxDuration = TimeSpan.FromMinutes(parse.GetValue(maxMinutes)),
        Network = asked != "loopback" && unavailable is null ? ChaosNetwork.Namespaces : ChaosNetwork.Loopback, Folder = parse.GetValue(folder), Keep = parse.GetValue(folder) is not null,
        Faults = parse.GetValue(faults)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        ReplicatedRelay = replicated,
    };
    RunFigures figures;
    string where;
    using (var progress = ProgressLine.OnStandardError("mrk-chaos run"))
    {
        (figures, where) = await ChaosRun.RunAsync(settings, progress.Log, cancellationToken, progress.Report).ConfigureAwait(false);
    }

    return Finish(figures, where, parse.GetValue(json));
});

var cases = new Option<long>("--cases") { Description = "fuzz cases to send", DefaultValueFactory = _ => 100_000 };
var fuzz = new Command("fuzz", "Sends random and mutated messages to every public RPC and forged, replayed and truncated frames to the relay, against "
                               + "a cluster started here; checks no process crashes, nothing answers INTERNAL/UNKNOWN, refused calls change nothing "
                               + "and memory stays bounded. Exit code 1 when anything was violated.")
{
    seed, cases, folder, json,
};
fuzz.SetAction(async (parse, cancellationToken) =>
{
    RunFigures figures;
    string where;
    using (var progress = ProgressLine.OnStandardError("mrk-chaos fuzz"))
    {
        (figures, where) = await FuzzRun.RunAsync(parse.GetValue(seed), parse.GetValue(cases), parse.GetValue(folder), progress.ReportOrLog, cancellationToken)
            .ConfigureAwait(false);
    }

    return Finish(figures, where, parse.GetValue(json));
});

var root = new RootCommand("Chaos and bad-input testing of a Grpc.Mrk cluster run here, on 127.0.0.1 or in network namespaces it creates.") { run, fuzz };
// Ctrl-C and SIGTERM cancel the run, which then stops its cluster's processes and reports what completed: allow it
// that long before the process is ended regardless (the default is 2 s).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) })
    .ConfigureAwait(false);

static int Finish(RunFigures figures, string folder, string? jsonFile)
{
    Console.Write(ChaosReport.Table(figures));
    if (jsonFile is not null)
    {
        File.WriteAllText(jsonFile, ChaosReport.Json(figures));
    }

    var failed = figures.Violations.Count > 0 || figures.Count(Outcome.Internal) > 0;
    if (failed || Directory.Exists(folder))
    {
        Console.WriteLine($"data, logs and history: {folder}");
    }

    // 130 as a shell reports a command stopped by Ctrl-C, unless what ran before the stop already failed.
    return failed ? 1 : figures.Interrupted ? 130 : 0;
}
