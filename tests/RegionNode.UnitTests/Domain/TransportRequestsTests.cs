using Grpc.Mrk.RegionNode.Domain.Operations;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Domain;

public sealed class TransportRequestsTests
{
    private const string Primary = "us-east-1";

    [Fact]
    public void AnAnswerFromARegionNotAsked_IsNotTaken_AndTheRequestStillWaitsForItsOwn()
    {
        var requests = new TransportRequests(_clock);
        requests.Add("m1", "k", [1], Primary);
        Assert.Null(requests.Take("m1", "k", "ap-southeast-2", out var fromElsewhere));
        Assert.True(fromElsewhere);
        Assert.Equal([1], requests.Take("m1", "k", Primary, out fromElsewhere));
        Assert.False(fromElsewhere);
    }

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void AKeyThatStillWaits_AsksAgainWithDoublingBackOff()
    {
        var requests = new TransportRequests(_clock);
        Assert.False(requests.HasRecent("k"));
        requests.Add("m1", "k", [1], Primary);
        Assert.True(requests.HasRecent("k"));
        _clock.Advance(TransportRequests.RetryAfter);
        Assert.False(requests.HasRecent("k"));

        requests.Add("m2", "k", [2], Primary);
        _clock.Advance(TransportRequests.RetryAfter);
        Assert.True(requests.HasRecent("k"));
        _clock.Advance(TransportRequests.RetryAfter);
        Assert.False(requests.HasRecent("k"));

        for (var i = 3; i < 30; i++)
        {
            requests.Add($"m{i}", "k", [(byte)i], Primary);
        }

        _clock.Advance(TransportRequests.MaxRetryAfter - TimeSpan.FromSeconds(1));
        Assert.True(requests.HasRecent("k"));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(requests.HasRecent("k"));
    }

    [Fact]
    public void SlowAnswers_StretchTheRetryTime()
    {
        var requests = new TransportRequests(_clock);
        for (var i = 0; i < 20; i++)
        {
            requests.Add($"slow{i}", $"k{i}", [1], Primary);
            _clock.Advance(TimeSpan.FromSeconds(60));
            Assert.NotNull(requests.Take($"slow{i}", $"k{i}", Primary, out _));
        }

        // Answers have been taking about a minute, so a waiting key asks again only after about four.
        requests.Add("m1", "k", [1], Primary);
        _clock.Advance(TimeSpan.FromSeconds(200));
        Assert.True(requests.HasRecent("k"));
        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.False(requests.HasRecent("k"));
    }

    [Fact]
    public void EveryEarlierRequest_StaysAnswerable_UntilOneIsAnswered()
    {
        var requests = new TransportRequests(_clock);
        requests.Add("m1", "k", [1], Primary);
        requests.Add("m2", "k", [2], Primary);
        requests.Add("other", "j", [3], Primary);

        Assert.Null(requests.Take("m1", "j", Primary, out _));
        Assert.Equal([1], requests.Take("m1", "k", Primary, out _));
        Assert.Null(requests.Take("m1", "k", Primary, out _));

        var second = requests.Take("m2", "k", Primary, out _) ?? throw new InvalidOperationException("m2 was dropped");
        requests.Add("m3", "k", [4], Primary);
        requests.Answered("k");
        Assert.Null(requests.Take("m3", "k", Primary, out _));
        Assert.False(requests.HasRecent("k"));
        Assert.Equal([2], second);
        Assert.Equal([3], requests.Take("other", "j", Primary, out _));
    }

    [Fact]
    public void DroppedRequests_AreZeroed_AndOldOnesExpire()
    {
        var requests = new TransportRequests(_clock);
        byte[] privateKey = [9, 9, 9];
        requests.Add("m1", "k", privateKey, Primary);
        requests.Answered("k");
        Assert.Equal([0, 0, 0], privateKey);

        byte[] old = [7];
        requests.Add("old", "a", old, Primary);
        _clock.Advance(TransportRequests.Lifetime + TimeSpan.FromSeconds(1));
        requests.Add("new", "b", [8], Primary);
        Assert.Equal([0], old);
        Assert.Null(requests.Take("old", "a", Primary, out _));
        Assert.Equal(1, requests.Count);
    }
}
