using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Mrk.Bench;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;

// mrk-bench: measures one RegionNode under load, side by side with its own empty-call ceiling in the same run.
var clusterFile = new Option<string>("--cluster-file") { Description = "cluster file naming each Region's endpoint and the CA", DefaultValueFactory = _ => ".mrk/cluster.json" };
var region = new Option<string>("--region") { Description = "the Region to measure", DefaultValueFactory = _ => "us-east-1" };
var endpoint = new Option<string?>("--endpoint") { Description = "the RegionNode to measure (instead of --region)" };
var caBundle = new Option<string?>("--ca-bundle") { Description = "CA certificate to trust (with --endpoint)" };
var concurrency = new Option<int>("--concurrency") { Description = "calls in flight at once", DefaultValueFactory = _ => 32 };
var seconds = new Option<double>("--seconds") { Description = "measured time per scenario", DefaultValueFactory = _ => 5 };
var warmUp = new Option<double>("--warmup") { Description = "unmeasured warm-up per scenario, seconds", DefaultValueFactory = _ => 1 };
var maxCalls = new Option<long>("--max-calls") { Description = "upper bound of calls per scenario and phase", DefaultValueFactory = _ => 5_000_000 };
var only = new Option<string?>("--only") { Description = "comma-separated scenario names (prefixes) to run" };
var json = new Option<string?>("--json") { Description = "also write the figures as JSON to this file" };
var protocol = new Option<string>("--protocol")
{
    Description = "grpc, aws-json (AWS's JSON protocol, signed with SigV4), or both side by side with each JSON figure's ratio to its gRPC twin",
    DefaultValueFactory = _ => "grpc",
};
protocol.AcceptOnlyFromAmong("grpc", "aws-json", "both");
var jsonHttp2 = new Option<bool>("--aws-json-http2") { Description = "the AWS JSON protocol over HTTP/2 instead of HTTP/1.1 (what most AWS SDKs speak)" };
var driver = new Option<string>("--driver")
{
    Description = "dotnet (the .NET client, with latency percentiles) or h2load (nghttp2's load generator sending each gRPC scenario's prepared request: lean enough that the node is what is measured)",
    DefaultValueFactory = _ => "dotnet",
};
driver.AcceptOnlyFromAmong("dotnet", "h2load");
var h2loadConnections = new Option<int>("--h2load-connections") { Description = "h2load's connections (calls in flight: connections x streams)", DefaultValueFactory = _ => 4 };
var h2loadStreams = new Option<int>("--h2load-streams") { Description = "h2load's concurrent streams per connection", DefaultValueFactory = _ => 32 };
var h2loadThreads = new Option<int>("--h2load-threads") { Description = "h2load's own threads", DefaultValueFactory = _ => 1 };
var nodePid = new Option<int?>("--node-pid") { Description = "the measured node's process, for its CPU per call (default: found in /proc for a local cluster's Region)" };

var root = new RootCommand("Measures a RegionNode: calls/s and p50/p99/p999 latency per operation, each as a ratio to the same "
                           + "node's empty-call ceiling (GenerateRandom of 1 byte) in the same run, plus a single client's sequential empty call and Encrypt.")
{
    clusterFile, region, endpoint, caBundle, concurrency, seconds, warmUp, maxCalls, only, json, protocol, jsonHttp2, driver, h2loadConnections,
    h2loadStreams, h2loadThreads, nodePid,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var (uri, ca) = Target(parse.GetValue(endpoint), parse.GetValue(caBundle), parse.GetValue(clusterFile)!, parse.GetValue(region)!);
    MrkClient Connect(string? apiKey) => new(uri, new MrkClientOptions
    {
        MaxRetries = 0,
        MaxThrottleRetries = 0,
        Timeout = TimeSpan.FromSeconds(30),
        CertificateAuthorityFile = ca,
        Region = parse.GetValue(endpoint) is null ? parse.GetValue(region) : null,
        ApiKey = apiKey,
    });
    var protocols = parse.GetValue(protocol)!;

    // Measuring the AWS JSON protocol needs an access key; both protocols then call as the same principal.
    BenchCredentials? credentials = null;
    if (protocols != "grpc")
    {
        using var admin = Connect(null);
        credentials = await BenchCredentials.ObtainAsync(admin).ConfigureAwait(false);
    }

    using var client = Connect(credentials?.ApiKey ?? Environment.GetEnvironmentVariable("MRK_API_KEY"));
    var scenarios = new List<Scenario>();
    if (protocols is "grpc" or "both")
    {
        scenarios.AddRange(await Scenarios.PrepareAsync(client).ConfigureAwait(false));
    }

    AwsJsonClient? awsJson = null;
    if (protocols is "aws-json" or "both")
    {
        (var jsonScenarios, awsJson) = await AwsJsonScenarios.PrepareAsync(uri, parse.GetValue(region)!, ca, credentials!,
            parse.GetValue(jsonHttp2)).ConfigureAwait(false);
        scenarios.AddRange(jsonScenarios);
    }

    using var jsonClient = awsJson;
    var filter = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    bool Chosen(string name) => filter is null || name == Scenarios.Ceiling || filter.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase));
    var chosen = scenarios.Where(s => Chosen(s.Name.StartsWith(AwsJsonScenarios.Prefix, StringComparison.Ordinal) ? s.Name[AwsJsonScenarios.Prefix.Length..] : s.Name))
        .ToList();
    var (duration, warm, bound, workers) = (TimeSpan.FromSeconds(parse.GetValue(seconds)), TimeSpan.FromSeconds(parse.GetValue(warmUp)),
        parse.GetValue(maxCalls), parse.GetValue(concurrency));

    // The node's own CPU per call, read from /proc: the figure a load generator on the same machine cannot blur.
    var pid = parse.GetValue(nodePid) ?? (parse.GetValue(endpoint) is null
        ? LocalProcesses.Find([parse.GetValue(region)!], Path.GetDirectoryName(Path.GetFullPath(parse.GetValue(clusterFile)!)))[0].Pid
        : null);
    Func<double?> nodeCpu = () => LocalProcesses.CpuSeconds(pid);
    var h2load = parse.GetValue(driver) == "h2load"
        ? new H2LoadSettings(parse.GetValue(h2loadConnections), parse.GetValue(h2loadStreams), parse.GetValue(h2loadThreads),
            credentials?.ApiKey ?? Environment.GetEnvironmentVariable("MRK_API_KEY"))
        : null;

    var results = new List<Measurement>();
    using var progress = ProgressLine.OnStandardError("mrk-bench");
    foreach (var scenario in chosen)
    {
        if (h2load is not null && scenario.Wire is { } wire)
        {
            // The same request through the .NET client first: h2load cannot tell a gRPC error from an answer.
            await scenario.Call(cancellationToken).ConfigureAwait(false);
            progress.ReportOrLog($"running {scenario.Name} with h2load ({h2load.Connections} x {h2load.Streams} in flight, "
                                 + $"{h2load.Threads} thread(s), {duration.TotalSeconds:0.#} s)...");
            results.Add(await H2LoadRunner.RunAsync(scenario.Name, uri, wire, h2load, warm, duration, nodeCpu).ConfigureAwait(false));
            continue;
        }

        progress.ReportOrLog($"running {scenario.Name} ({workers} in flight, {duration.TotalSeconds:0.#} s)...");
        results.Add(await LoadRunner.RunAsync(scenario.Name, scenario.Call, workers, warm, duration, bound, nodeCpu).ConfigureAwait(false));
    }

    // One client, one call at a time: the latency a single caller sees, beside the same for the empty call.
    foreach (var sequential in chosen.Where(s => s.Name is Scenarios.Ceiling or "Encrypt 4 KiB" or AwsJsonScenarios.Prefix + "Encrypt 4 KiB").ToList())
    {
        progress.ReportOrLog($"running {sequential.Name} from one client, one call at a time...");
        results.Add(await LoadRunner.RunAsync($"{sequential.Name} sequential", sequential.Call, 1, warm, duration, bound, nodeCpu).ConfigureAwait(false));
    }

    var ceiling = results.Find(m => m.Scenario == Scenarios.Ceiling) ?? results.Find(m => m.Scenario == AwsJsonScenarios.Prefix + Scenarios.Ceiling);
    Report.WriteTable(Console.Out, results, ceiling);
    Report.WriteProtocolRatios(Console.Out, results, AwsJsonScenarios.Prefix);
    if (parse.GetValue(json) is { } file)
    {
        await File.WriteAllTextAsync(file, Report.ToJson(new
        {
            Endpoint = uri.ToString(),
            Machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            Date = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            Results = results.Select(m => new
            {
                m.Scenario, m.Driver, m.Concurrency, m.Seconds, m.Calls, m.Failures, m.CallsPerSecond, m.P50Ms, m.P99Ms, m.P999Ms, m.NodeMicrosPerCall,
                RatioToCeiling = ceiling is null ? (double?)null : m.CallsPerSecond / ceiling.CallsPerSecond,
                RatioToGrpc = m.Scenario.StartsWith(AwsJsonScenarios.Prefix, StringComparison.Ordinal)
                              && results.Find(g => g.Scenario == m.Scenario[AwsJsonScenarios.Prefix.Length..]) is { } twin
                    ? m.CallsPerSecond / twin.CallsPerSecond
                    : (double?)null,
                m.FirstError,
            }),
        }), cancellationToken).ConfigureAwait(false);
    }

    if (results.Any(m => m.FirstError?.Contains("Rate exceeded", StringComparison.Ordinal) == true))
    {
        Console.Error.WriteLine(QuotaHint);
    }

    return results.Any(m => m.Failures > 0) ? 1 : 0;
});
var replicasOption = new Option<string?>("--replicas") { Description = "comma-separated replica Regions (default: every other Region in the cluster file)" };
var samples = new Option<int>("--samples") { Description = "keys replicated and rotations measured one at a time", DefaultValueFactory = _ => 20 };
var rotators = new Option<int>("--rotators") { Description = "keys the sync-lag load rotates (at least; more when a paced load needs them)", DefaultValueFactory = _ => 8 };
var loadSeconds = new Option<double>("--load-seconds") { Description = "how long the rotation load runs", DefaultValueFactory = _ => 10 };
var paced = new Option<double>("--rotations-per-second")
{
    Description = "paced sync-lag load: start this many rotations a second over --rotators keys (0: each of --rotators keys rotates again as soon as its last rotation is visible)",
    DefaultValueFactory = _ => 10,
};
var pollMs = new Option<double>("--poll-ms") { Description = "how often the other Regions are asked", DefaultValueFactory = _ => 5 };
var crossRegion = new Command("cross-region", "ReplicateKey until Enabled, rotation visible in every Region, and sync lag under a steady rotation load.")
{
    clusterFile, region, replicasOption, samples, rotators, loadSeconds, paced, pollMs, json,
};
crossRegion.SetAction(async (parse, cancellationToken) =>
{
    var perSecond = parse.GetValue(paced);
    var problem = perSecond is < 0 or > 1000 ? "--rotations-per-second must be between 0 and 1000."
        : parse.GetValue(rotators) is < 1 or > 1000 ? "--rotators must be between 1 and 1000."
        : parse.GetValue(loadSeconds) is not (> 0 and <= 3600) ? "--load-seconds must be more than 0 and at most 3600."
        : null;
    if (problem is not null)
    {
        await Console.Error.WriteLineAsync(problem).ConfigureAwait(false);
        return 2;
    }

    using var cluster = ClusterClients.Open(parse.GetValue(clusterFile)!, parse.GetValue(region)!, parse.GetValue(replicasOption));
    var (primaryRegion, primary, replicas) = (cluster.PrimaryRegion, cluster.Primary, cluster.Replicas);
    var measure = new CrossRegion(primary, replicas, TimeSpan.FromMilliseconds(parse.GetValue(pollMs)), TimeSpan.FromSeconds(60));
    using var progress = ProgressLine.OnStandardError("mrk-bench cross-region");
    void Progress(string text) => progress.ReportOrLog(text);
    await measure.OpenAsync().ConfigureAwait(false);
    var (enabled, answered) = await measure.ReplicateAsync(parse.GetValue(samples), Progress).ConfigureAwait(false);
    var figures = new List<Latencies>
    {
        Latencies.Of($"ReplicateKey until Enabled ({primaryRegion} -> {string.Join(", ", replicas.Keys)})", enabled),
        Latencies.Of("  of which the primary's answer to ReplicateKey", answered),
    };
    var rotated = new List<double>();
    var keyId = await measure.ReplicatedKeyAsync().ConfigureAwait(false);
    for (var i = 0; i < Math.Min(parse.GetValue(samples), 24); i++)
    {
        rotated.Add(await measure.RotateAsync(keyId).ConfigureAwait(false));
        Progress($"rotation {i + 1}");
    }

    figures.Add(Latencies.Of($"rotation visible in all {replicas.Count + 1} Regions", rotated));

    if (perSecond > 0)
    {
        // A key takes at most 25 on-demand rotations: enough keys that none is rotated more than 24 times.
        var pool = Math.Max(parse.GetValue(rotators), (int)Math.Ceiling(perSecond * parse.GetValue(loadSeconds) / 24));
        var (lags, rate, missed) = await measure.RotatePacedAsync(pool, perSecond, TimeSpan.FromSeconds(parse.GetValue(loadSeconds)), Progress)
            .ConfigureAwait(false);
        var note = missed > 0 ? $", {missed} starts missed: every key busy" : string.Empty;
        figures.Add(Latencies.Of(string.Create(CultureInfo.InvariantCulture, $"sync lag at {rate:0.#} rotations/s (paced{note})"), lags));
    }
    else
    {
        var (lags, rate) = await measure.RotateUnderLoadAsync(parse.GetValue(rotators), 24, TimeSpan.FromSeconds(parse.GetValue(loadSeconds)), Progress)
            .ConfigureAwait(false);
        figures.Add(Latencies.Of(string.Create(CultureInfo.InvariantCulture, $"sync lag under {rate:0.#} rotations/s (closed loop)"), lags));
    }
    Console.WriteLine($"{"figure",-58} {"samples",7} {"p50 ms",8} {"p99 ms",8} {"max ms",8}");
    foreach (var f in figures)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Figure,-58} {f.Samples,7} {f.P50Ms,8:0.0} {f.P99Ms,8:0.0} {f.MaxMs,8:0.0}"));
    }

    await WriteJsonAsync(parse.GetValue(json), figures, cancellationToken).ConfigureAwait(false);
    return 0;
});
root.Subcommands.Add(crossRegion);

var keys = new Option<int>("--keys") { Description = "multi-Region keys to create and replicate", DefaultValueFactory = _ => 10_000 };
var dataFolder = new Option<string?>("--data-folder") { Description = "the cluster's data folder, for store sizes (default: the cluster file's folder)" };
var idleSeconds = new Option<double>("--idle-seconds") { Description = "idle window for the CPU figure", DefaultValueFactory = _ => 30 };
var settleSeconds = new Option<double>("--settle-seconds") { Description = "longest wait, after the last replica is Enabled, for the cluster to go quiet before the idle window", DefaultValueFactory = _ => 300 };
var scale = new Command("scale", "Creates and replicates many multi-Region keys; reports the time, each local process's RSS and store size, and its idle CPU.")
{
    clusterFile, region, replicasOption, keys, concurrency, dataFolder, settleSeconds, idleSeconds, json,
};
scale.SetAction(async (parse, cancellationToken) =>
{
    using var cluster = ClusterClients.Open(parse.GetValue(clusterFile)!, parse.GetValue(region)!, parse.GetValue(replicasOption));
    var count = parse.GetValue(keys);
    if (count is < 1 or > 1_000_000)
    {
        await Console.Error.WriteLineAsync("--keys must be between 1 and 1000000.").ConfigureAwait(false);
        return 2;
    }

    var run = new ScaleRun(cluster.PrimaryRegion, cluster.Primary, cluster.Replicas, parse.GetValue(concurrency), TimeSpan.FromMinutes(30));
    var folder = parse.GetValue(dataFolder) ?? Path.GetDirectoryName(Path.GetFullPath(parse.GetValue(clusterFile)!));
    ScaleResult result;
    using (var progress = ProgressLine.OnStandardError($"mrk-bench scale ({count} keys)"))
    {
        result = await run.RunAsync(count, folder, TimeSpan.FromSeconds(parse.GetValue(settleSeconds)), TimeSpan.FromSeconds(parse.GetValue(idleSeconds)),
                progress.ReportOrLog)
            .ConfigureAwait(false);
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{result.Keys} multi-Region keys: created in {result.CreateSeconds:0.0} s, replicated to {result.ReplicaRegions} Regions (all Enabled) in "
        + $"{result.ReplicateSeconds:0.0} s more; {result.TotalSeconds:0.0} s in all; the cluster was quiet {result.QuietAfterSeconds:0} s later"));
    Console.WriteLine($"{"process",-16} {"pid",8} {"RSS MB",8} {"store MB",9} {"idle CPU % of a core",21}");
    foreach (var p in result.Processes)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{p.Name,-16} {p.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-",8} {p.RssMb,8:0.0} {p.StoreMb,9:0.0} {p.IdleCpuPercentOfCore,21:0.00}"));
    }

    await WriteJsonAsync(parse.GetValue(json), result, cancellationToken).ConfigureAwait(false);
    return 0;
});
root.Subcommands.Add(scale);

try
{
    return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
}
catch (MrkException e) when (e.ErrorCode == "ThrottlingException")
{
    Console.Error.WriteLine($"mrk-bench: {e.Message}. {QuotaHint}");
    return 3;
}

static async Task WriteJsonAsync(string? file, object figures, CancellationToken cancellationToken)
{
    if (file is not null)
    {
        await File.WriteAllTextAsync(file, Report.ToJson(new
        {
            Machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            Date = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            Figures = figures,
        }), cancellationToken).ConfigureAwait(false);
    }
}

static (Uri Endpoint, string? Ca) Target(string? endpoint, string? ca, string clusterFile, string region)
{
    if (endpoint is not null)
    {
        return (new Uri(endpoint), ca);
    }

    using var document = JsonDocument.Parse(File.ReadAllText(clusterFile));
    var rootElement = document.RootElement;
    return (new Uri(rootElement.GetProperty("regions").GetProperty(region).GetString()!),
        ca ?? (rootElement.TryGetProperty("caBundle", out var bundle) ? bundle.GetString() : null));
}

internal static partial class Program
{
    /// <summary>What a user whose benchmark met a request quota needs to know.</summary>
    private const string QuotaHint =
        "The node enforces AWS's request quotas (CreateKey 5 a second, symmetric operations 10,000 a second, ...): to measure the node rather than "
        + "its quotas, start the cluster with Mrk__RequestQuotas=false (BENCHMARKS.md, \"How to run\").";
}
