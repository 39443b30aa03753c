using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Grpc.Mrk.Bench;
using Grpc.Mrk.Client;

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

var root = new RootCommand("Measures a RegionNode: calls/s and p50/p99/p999 latency per operation, each as a ratio to the same "
                           + "node's empty-call ceiling (GenerateRandom of 1 byte) in the same run, plus a single client's sequential Encrypt.")
{
    clusterFile, region, endpoint, caBundle, concurrency, seconds, warmUp, maxCalls, only, json,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var (uri, ca) = Target(parse.GetValue(endpoint), parse.GetValue(caBundle), parse.GetValue(clusterFile)!, parse.GetValue(region)!);
    using var client = new MrkClient(uri, new MrkClientOptions
    {
        MaxRetries = 0,
        Timeout = TimeSpan.FromSeconds(30),
        CertificateAuthorityFile = ca,
        ApiKey = Environment.GetEnvironmentVariable("MRK_API_KEY"),
    });
    var scenarios = await Scenarios.PrepareAsync(client).ConfigureAwait(false);
    var filter = parse.GetValue(only)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var chosen = scenarios.Where(s => filter is null || s.Name == Scenarios.Ceiling || filter.Any(f => s.Name.StartsWith(f, StringComparison.OrdinalIgnoreCase)))
        .ToList();
    var (duration, warm, bound, workers) = (TimeSpan.FromSeconds(parse.GetValue(seconds)), TimeSpan.FromSeconds(parse.GetValue(warmUp)),
        parse.GetValue(maxCalls), parse.GetValue(concurrency));

    var results = new List<Measurement>();
    foreach (var scenario in chosen)
    {
        await Console.Error.WriteLineAsync($"running {scenario.Name} ({workers} in flight, {duration.TotalSeconds:0.#} s)...").ConfigureAwait(false);
        results.Add(await LoadRunner.RunAsync(scenario.Name, scenario.Call, workers, warm, duration, bound).ConfigureAwait(false));
    }

    var sequential = chosen.FirstOrDefault(s => s.Name == "Encrypt 4 KiB");
    if (sequential is not null)
    {
        await Console.Error.WriteLineAsync("running Encrypt 4 KiB from one client, one call at a time...").ConfigureAwait(false);
        results.Add(await LoadRunner.RunAsync("Encrypt 4 KiB sequential", sequential.Call, 1, warm, duration, bound).ConfigureAwait(false));
    }

    var ceiling = results.Find(m => m.Scenario == Scenarios.Ceiling);
    Report.WriteTable(Console.Out, results, ceiling);
    if (parse.GetValue(json) is { } file)
    {
        await File.WriteAllTextAsync(file, Report.ToJson(new
        {
            Endpoint = uri.ToString(),
            Machine = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            Date = DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture),
            Results = results.Select(m => new
            {
                m.Scenario, m.Concurrency, m.Seconds, m.Calls, m.Failures, m.CallsPerSecond, m.P50Ms, m.P99Ms, m.P999Ms,
                RatioToCeiling = ceiling is null ? (double?)null : m.CallsPerSecond / ceiling.CallsPerSecond, m.FirstError,
            }),
        }), cancellationToken).ConfigureAwait(false);
    }

    return results.Any(m => m.Failures > 0) ? 1 : 0;
});
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

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
