namespace Grpc.Mrk.Chaos.Clocks;

/// <summary>
/// Faults of a Region's wall clock: it jumps forward (five minutes to 40 days) or back (five minutes to three days) and
/// is set true again, or runs skewed against the others (a second to five minutes either way) for a while. The jumps
/// carry a <see cref="ClockProbe"/>; the workload keeps running through all three.
/// </summary>
public sealed class ClockFaults(ChaosCluster cluster, RegionClocks clocks, History history, RunFigures figures)
{
    public static readonly string[] Kinds = ["clock-jump-forward", "clock-jump-back", "clock-skew", "restore-with-clock-back", "rebuild-with-clock-back"];

    /// <summary>Long enough for two maintenance passes (one a second) after the clock has been reread.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    // Faults run one at a time, and the audit check reads this after the last.
    private readonly List<DueAction> _expected = [];

    public DeletionGate Deletions { get; } = new();

    /// <summary>The due actions the probes saw carried out: each must be in its Region's audit log once, with the clock time it used.</summary>
    public IReadOnlyCollection<DueAction> Expected => _expected;

    public async Task InjectAsync(string kind, string region, TimeSpan duration, Random random)
    {
        var offset = kind switch
        {
            "clock-jump-forward" => Between(random, TimeSpan.FromMinutes(5), TimeSpan.FromDays(40)),
            "clock-jump-back" => -Between(random, TimeSpan.FromMinutes(5), TimeSpan.FromDays(3)),
            _ => TimeSpan.FromSeconds(random.Next(1, 301)) * (random.Next(2) == 0 ? -1 : 1),
        };
        history.Write("clock", new Dictionary<string, object?> { ["region"] = region, ["kind"] = kind, ["offsetSeconds"] = (long)offset.TotalSeconds });
        if (kind == "clock-skew")
        {
            await clocks.SetAsync(region, offset).ConfigureAwait(false);
            await Task.Delay(duration * 4).ConfigureAwait(false);
            await clocks.SetAsync(region, TimeSpan.Zero).ConfigureAwait(false);
            return;
        }

        await Deletions.CloseAsync(region, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        try
        {
            // The Region may still be starting after the fault before this one.
            await cluster.WaitReadyAsync(region, CancellationToken.None).ConfigureAwait(false);
            var (probe, problem) = await ClockProbe.PlaceAsync(cluster, clocks, figures, region, _expected).ConfigureAwait(false);
            figures.Check("clock: the Region takes the probe keys before its clock moves", problem);
            await clocks.SetAsync(region, offset).ConfigureAwait(false);
            await Task.Delay(Settle).ConfigureAwait(false);
            if (probe is not null)
            {
                await Probed(() => probe.CheckMovedAsync()).ConfigureAwait(false);
            }

            await Task.Delay(duration).ConfigureAwait(false);
            await clocks.SetAsync(region, TimeSpan.Zero).ConfigureAwait(false);
            await Task.Delay(Settle).ConfigureAwait(false);
            if (probe is not null)
            {
                await Probed(() => probe.CheckTrueAgainAsync()).ConfigureAwait(false);
            }
        }
        finally
        {
            Deletions.Open(region);
        }
    }

    /// <summary>
    /// A probe's reads go to the Region only; other faults do not run beside this one, so a read that gets no answer is
    /// itself a finding.
    /// </summary>
    private async Task Probed(Func<Task> check)
    {
        try
        {
            await check().ConfigureAwait(false);
        }
        catch (Exception e) when (e is Grpc.Mrk.Client.MrkException or OperationCanceledException)
        {
            figures.Check("clock: the Region answers while its clock is moved", e.Message);
        }
    }

    /// <summary>Drawn evenly on a log scale, so minutes are as likely as days.</summary>
    internal static TimeSpan Between(Random random, TimeSpan least, TimeSpan most) =>
        TimeSpan.FromSeconds(Math.Round(Math.Exp(Math.Log(least.TotalSeconds) + (random.NextDouble() * (Math.Log(most.TotalSeconds) - Math.Log(least.TotalSeconds))))));
}

