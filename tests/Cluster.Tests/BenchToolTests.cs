using System.Text.Json;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>The benchmark tool runs every scenario against a real node and reports figures for each (briefly, here).</summary>
public sealed class BenchToolTests(RegionNodeFixture fixture) : IClassFixture<RegionNodeFixture>
{
    [Fact]
    public async Task ShortRun_EveryScenarioMeasuredWithoutErrors_TableAndJson()
    {
        using var work = new TempDirectory();
        var (exitCode, output, progress) = await MrkCli.RunToolAsync(RepoPaths.BenchDll, work.Path,
            ["--endpoint", fixture.Node.Endpoint.ToString(), "--concurrency", "4", "--seconds", "0.3", "--warmup", "0.1", "--json", work.Sub("bench.json")],
            TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, progress + output);
        Assert.Contains("running Encrypt 4 KiB", progress, StringComparison.Ordinal);
        Assert.Contains("x ceiling", output, StringComparison.Ordinal);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(work.Sub("bench.json")));
        var results = report.RootElement.GetProperty("Results").EnumerateArray().ToList();
        Assert.Equal(16, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("Calls").GetInt64() > 0, r.GetProperty("Scenario").GetString()));
        Assert.All(results, r => Assert.Equal(0, r.GetProperty("Failures").GetInt64()));
        var ceiling = results.Single(r => r.GetProperty("Scenario").GetString() == "GenerateRandom 1 B");
        Assert.Equal(1.0, ceiling.GetProperty("RatioToCeiling").GetDouble(), 6);
        Assert.Equal(1, results.Single(r => r.GetProperty("Scenario").GetString() == "Encrypt 4 KiB sequential").GetProperty("Concurrency").GetInt32());
        Assert.Equal(1, results.Single(r => r.GetProperty("Scenario").GetString() == "GenerateRandom 1 B sequential").GetProperty("Concurrency").GetInt32());
    }

    /// <summary>h2load (nghttp2-client, installed by scripts/test.sh) sends the prepared requests; the node's CPU per call is read from /proc.</summary>
    [Fact]
    public async Task H2LoadDriver_NodeCpuPerCallForEachScenario()
    {
        using var work = new TempDirectory();
        var (exitCode, output, progress) = await MrkCli.RunToolAsync(RepoPaths.BenchDll, work.Path,
            ["--endpoint", fixture.Node.Endpoint.ToString(), "--node-pid", fixture.Node.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--driver", "h2load", "--h2load-connections", "2", "--h2load-streams", "4", "--only", "Encrypt 4,health", "--seconds", "0.5",
                "--warmup", "0.2", "--json", work.Sub("bench.json")],
            TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, progress + output);
        Assert.Contains("with h2load (2 x 4 in flight", progress, StringComparison.Ordinal);
        Assert.Contains("node us/call", output, StringComparison.Ordinal);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(work.Sub("bench.json")));
        var results = report.RootElement.GetProperty("Results").EnumerateArray().ToDictionary(r => r.GetProperty("Scenario").GetString()!);
        foreach (var scenario in new[] { "health check (empty call)", "GenerateRandom 1 B", "Encrypt 4 KiB" })
        {
            var row = results[scenario];
            Assert.Equal("h2load", row.GetProperty("Driver").GetString());
            Assert.True(row.GetProperty("Calls").GetInt64() > 0, scenario);
            Assert.Equal(0, row.GetProperty("Failures").GetInt64());
            Assert.True(row.GetProperty("NodeMicrosPerCall").GetDouble() > 0, scenario);
        }

        // The sequential rows stay with the .NET client, which gives percentiles.
        Assert.Equal("dotnet", results["Encrypt 4 KiB sequential"].GetProperty("Driver").GetString());
    }

    [Fact]
    public async Task BothProtocols_AsOnePrincipal_EachJsonFigureBesideItsGrpcTwin()
    {
        using var work = new TempDirectory();
        // The fixture's node serves plaintext HTTP/2 only (loopback tests), so the JSON protocol goes over HTTP/2 here.
        var (exitCode, output, progress) = await MrkCli.RunToolAsync(RepoPaths.BenchDll, work.Path,
            ["--endpoint", fixture.Node.Endpoint.ToString(), "--protocol", "both", "--aws-json-http2", "--only", "Encrypt 4,Decrypt 4", "--concurrency", "4",
                "--seconds", "0.3", "--warmup", "0.1", "--json", work.Sub("bench.json")],
            TimeSpan.FromSeconds(120));
        Assert.True(exitCode == 0, progress + output);
        Assert.Contains("JSON x gRPC", output, StringComparison.Ordinal);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(work.Sub("bench.json")));
        var results = report.RootElement.GetProperty("Results").EnumerateArray().ToDictionary(r => r.GetProperty("Scenario").GetString()!);
        foreach (var scenario in new[] { "GenerateRandom 1 B", "Encrypt 4 KiB", "Decrypt 4 KiB" })
        {
            Assert.True(results[scenario].GetProperty("Calls").GetInt64() > 0, scenario);
            var json = results[$"aws-json {scenario}"];
            Assert.True(json.GetProperty("Calls").GetInt64() > 0, scenario);
            Assert.Equal(0, json.GetProperty("Failures").GetInt64());
            Assert.True(json.GetProperty("RatioToGrpc").GetDouble() > 0, scenario);
        }
    }
}

/// <summary>The cross-Region and scale figures, measured briefly against a real three-Region cluster.</summary>
public sealed class BenchCrossRegionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task CrossRegionAndScale_ReportFiguresFromTheRunningCluster()
    {
        await using var cluster = await ThreeRegionCluster.StartAsync(output);
        var file = cluster.WriteClusterFile();

        var (crossOut, crossErr) = await BenchAsync("cross-region", "--cluster-file", file, "--region", ThreeRegionCluster.East, "--samples", "2",
            "--rotators", "2", "--load-seconds", "1", "--json", Path.Combine(Path.GetDirectoryName(file)!, "cross.json"));
        Assert.Contains("rotating at 10/s over 2 keys", crossErr, StringComparison.Ordinal);
        using (var cross = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(file)!, "cross.json"))))
        {
            var figures = cross.RootElement.GetProperty("Figures").EnumerateArray().ToList();
            Assert.Equal(4, figures.Count);
            Assert.Equal(4, figures[0].GetProperty("Samples").GetInt32());
            // The primary's answer is part of the time until Enabled, never more.
            Assert.Equal(4, figures[1].GetProperty("Samples").GetInt32());
            Assert.True(figures[1].GetProperty("P50Ms").GetDouble() <= figures[0].GetProperty("P50Ms").GetDouble(), crossOut);
            Assert.Equal(2, figures[2].GetProperty("Samples").GetInt32());
            Assert.Contains("rotations/s (paced", figures[3].GetProperty("Figure").GetString(), StringComparison.Ordinal);
            Assert.All(figures, f => Assert.True(f.GetProperty("P50Ms").GetDouble() > 0, crossOut));
        }

        var scaleJson = Path.Combine(Path.GetDirectoryName(file)!, "scale.json");
        var (scaleOut, _) = await BenchAsync("scale", "--cluster-file", file, "--region", ThreeRegionCluster.East, "--keys", "20", "--concurrency", "4",
            "--settle-seconds", "0", "--idle-seconds", "1", "--json", scaleJson);
        Assert.Contains("20 multi-Region keys", scaleOut, StringComparison.Ordinal);
        using var scale = JsonDocument.Parse(await File.ReadAllTextAsync(scaleJson));
        var result = scale.RootElement.GetProperty("Figures");
        Assert.Equal(2, result.GetProperty("ReplicaRegions").GetInt32());
        var processes = result.GetProperty("Processes").EnumerateArray().ToList();
        Assert.Equal(4, processes.Count);
        Assert.All(processes, p => Assert.True(p.GetProperty("RssMb").GetDouble() > 10, scaleOut));
        Assert.All(processes.Where(p => p.GetProperty("Name").GetString() != "controlplane"),
            p => Assert.True(p.GetProperty("StoreMb").GetDouble() > 0, scaleOut));
        foreach (var region in ThreeRegionCluster.Regions)
        {
            Assert.Equal(20 + 2 + 1 + 2, await CountKeysAsync(cluster, region));
        }
    }

    private static async Task<int> CountKeysAsync(ThreeRegionCluster cluster, string region) =>
        (await cluster.Kms(region).ListKeysAsync(new V1.ListKeysRequest { Limit = 1000 }, deadline: DateTime.UtcNow.AddSeconds(10))
            .ResponseAsync.WithTimeout()).Keys.Count;

    [Theory]
    [InlineData("--rotations-per-second", "-1", "--rotations-per-second must be between 0 and 1000.")]
    [InlineData("--rotators", "0", "--rotators must be between 1 and 1000.")]
    [InlineData("--load-seconds", "0", "--load-seconds must be more than 0 and at most 3600.")]
    public async Task CrossRegion_RefusesALoadItCannotRun_BeforeCallingAnything(string option, string value, string message)
    {
        // No cluster file exists: the refusal comes first, and nothing is called.
        var (exitCode, output, progress) = await MrkCli.RunToolAsync(RepoPaths.BenchDll, Path.GetTempPath(),
            ["cross-region", "--cluster-file", "/nonexistent/cluster.json", option, value], TimeSpan.FromSeconds(60));
        Assert.Equal(2, exitCode);
        Assert.Contains(message, progress + output, StringComparison.Ordinal);
    }

    private static async Task<(string Output, string Progress)> BenchAsync(params string[] arguments)
    {
        var (exitCode, output, progress) = await MrkCli.RunToolAsync(RepoPaths.BenchDll, Path.GetTempPath(), arguments, TimeSpan.FromSeconds(180));
        Assert.True(exitCode == 0, progress + output);
        return (output, progress);
    }
}
