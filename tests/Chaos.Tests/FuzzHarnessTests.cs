using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>
/// The bounded CI version of `mrk-chaos fuzz`, against a cluster on 127.0.0.1, with the seed of
/// <see cref="ChaosHarnessTests.Seed"/> (MRK_CHAOS_SEED).
/// </summary>
public sealed class FuzzHarnessTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HundredThousandFuzzCases_NoCrash_NoInternal_NoChange()
    {
        // About 4 minutes alone and 6-8 beside the chaos run and the rest of the suite on 2 cores.
        var (figures, folder) = await FuzzRun.RunAsync(ChaosHarnessTests.Seed, 100_000, null, output.WriteLine, CancellationToken.None)
            .WithTimeout(TimeSpan.FromMinutes(15));
        output.WriteLine(ChaosReport.Table(figures));
        Assert.True(figures.Violations.Count == 0, $"violations (data kept in {folder}):\n{string.Join("\n", figures.Violations)}");
        Assert.Equal(100_000, figures.FuzzCases);
        Assert.True(figures.Checks["a batch of refused calls changes no store"] >= 1000);
        Assert.True(figures.Checks.GetValueOrDefault("a batch of refused calls changes no store, multi-Region keys included (compared when quiet)") >= 9,
            "fewer than three batches were compared with multi-Region keys included");
        Assert.True(figures.Checks["no process exits under bad input"] > 0);
        Assert.Equal(20_000, figures.Checks["no AWS JSON fuzz case answered 500 (except a fault AWS's model declares)"]);
    }
}
