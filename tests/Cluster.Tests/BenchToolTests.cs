using System.Diagnostics;
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
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     RepoPaths.BenchDll, "--endpoint", fixture.Node.Endpoint.ToString(), "--concurrency", "4", "--seconds", "0.3", "--warmup", "0.1",
                     "--json", work.Sub("bench.json"),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var progress = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(120));
        Assert.True(process.ExitCode == 0, await progress + await output);
        Assert.Contains("running Encrypt 4 KiB", await progress, StringComparison.Ordinal);
        Assert.Contains("x ceiling", await output, StringComparison.Ordinal);

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(work.Sub("bench.json")));
        var results = report.RootElement.GetProperty("Results").EnumerateArray().ToList();
        Assert.Equal(15, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("Calls").GetInt64() > 0, r.GetProperty("Scenario").GetString()));
        Assert.All(results, r => Assert.Equal(0, r.GetProperty("Failures").GetInt64()));
        var ceiling = results.Single(r => r.GetProperty("Scenario").GetString() == "GenerateRandom 1 B");
        Assert.Equal(1.0, ceiling.GetProperty("RatioToCeiling").GetDouble(), 6);
        Assert.Equal(1, results.Single(r => r.GetProperty("Scenario").GetString() == "Encrypt 4 KiB sequential").GetProperty("Concurrency").GetInt32());
    }
}
