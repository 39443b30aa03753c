using Grpc.Mrk.RegionNode.Domain.Quotas;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Quotas;

public sealed class TokenBucketTests
{
    [Fact]
    public void AFullBucket_GivesItsCapacity_ThenRefusesWithTheWait_AndRefillsAtItsRate()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(5, 5, clock);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(bucket.TryTake(out _));
        }

        Assert.False(bucket.TryTake(out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(200), wait);

        clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.False(bucket.TryTake(out _));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out _));

        // A quiet hour fills it to its capacity, not beyond.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(5, Enumerable.Range(0, 10).Count(_ => bucket.TryTake(out TimeSpan _)));
    }

    [Fact]
    public void ARateBelowOneASecond_AdmitsOneRequestPerInterval()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(0.25, 1, clock);
        Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out var wait));
        Assert.Equal(TimeSpan.FromSeconds(4), wait);
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.False(bucket.TryTake(out wait));
        Assert.Equal(TimeSpan.FromSeconds(1), wait);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(bucket.TryTake(out _));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)]
    [InlineData(1, 0.5)]
    public void NonsenseRatesAndCapacities_AreRefused(double perSecond, double capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(perSecond, capacity, TimeProvider.System));
}
