using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>When a sender asks for more of a destination's prekeys, and for how many: ahead of running out at the rate it uses them.</summary>
public sealed class PrekeyDemandTests
{
    private const string West = "eu-west-1";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void AtRest_AsksOnlyBelowAQuarterOfASet_ForHalfASet()
    {
        var demand = new PrekeyDemand(_clock);
        Assert.Null(demand.Ask(West, OwnPrekeys.PerPeer / 4));
        Assert.Equal(OwnPrekeys.PerPeer / 2, demand.Ask(West, (OwnPrekeys.PerPeer / 4) - 1));
        Assert.False(demand.Scarce(West, 0));
    }

    [Fact]
    public void InABurst_AsksEarlierAndForMore_TheLongerAnswersTake_WithinTheBound()
    {
        var demand = new PrekeyDemand(_clock);
        Use(demand, 500, over: TimeSpan.FromSeconds(5));

        // 100 a second, an answer guessed at one second: ask below 200 held, for enough for four seconds.
        Assert.Null(demand.Ask(West, 200));
        Assert.True(demand.Scarce(West, 199));
        Assert.Equal(400 - 150, demand.Ask(West, 150));

        // Asked: not again while the answer may still be on its way.
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Null(demand.Ask(West, 10));

        // The answer took three seconds: at the same rate, ask below 600 and for enough for twelve seconds.
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        demand.Answered(West);
        Use(demand, 500, over: TimeSpan.FromSeconds(5));
        var wanted = demand.Ask(West, 500);
        Assert.NotNull(wanted);
        Assert.InRange(wanted.Value, 1_000 - 500, 1_200 - 500);

        // However fast they go, never more than a destination keeps for one sender.
        _clock.Advance(TimeSpan.FromSeconds(2));
        demand.Answered(West);
        Use(demand, 5_000, over: TimeSpan.FromSeconds(4));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(OwnPrekeys.MaxPerPeer, demand.Ask(West, 0));
    }

    [Fact]
    public void AnUnansweredAsk_IsRepeatedOnceItIsOverdue()
    {
        var demand = new PrekeyDemand(_clock);
        Assert.NotNull(demand.Ask(West, 0));
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Null(demand.Ask(West, 0));
        _clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.NotNull(demand.Ask(West, 0));
    }

    [Fact]
    public void AWallClockSetBack_DoesNotHoldAsksBack()
    {
        var clock = new SteppedWallClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var demand = new PrekeyDemand(clock);
        Assert.NotNull(demand.Ask(West, 0));

        // Set back three days: an unanswered ask is still repeated once it is overdue, not three days later.
        clock.Step(TimeSpan.FromDays(-3));
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Null(demand.Ask(West, 0));
        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.NotNull(demand.Ask(West, 0));
    }

    [Fact]
    public void UsesOlderThanTheWindow_NoLongerCount()
    {
        var demand = new PrekeyDemand(_clock);
        Use(demand, 500, over: TimeSpan.FromSeconds(1));
        Assert.True(demand.Scarce(West, 150));
        Assert.True(demand.AnyScarce(peer => peer == West ? 150 : 0));
        Assert.False(demand.AnyScarce(_ => 250));
        _clock.Advance(PrekeyDemand.Window);
        Assert.False(demand.Scarce(West, 150));
        Assert.False(demand.AnyScarce(_ => 150));
        Assert.Null(demand.Ask(West, 150));
    }

    private void Use(PrekeyDemand demand, int count, TimeSpan over)
    {
        var step = over / count;
        for (var i = 0; i < count; i++)
        {
            demand.Used(West);
            _clock.Advance(step);
        }
    }
}
