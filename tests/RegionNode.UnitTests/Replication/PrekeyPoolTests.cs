using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

public sealed class PrekeyPoolTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void OwnPrekey_OpensOnce_OnlyForThePeerItWasPublishedTo_AndNotAfterItExpires()
    {
        var own = new OwnPrekeys(_clock);
        var published = own.TopUp("eu-west-1");
        Assert.Equal(OwnPrekeys.PerPeer, published.Count);
        Assert.Equal(published.Count, published.Select(p => p.Id).Distinct().Count());

        Assert.Null(own.Take("ap-southeast-2", published[0].Id));
        Assert.NotNull(own.Take("eu-west-1", published[0].Id));
        Assert.Null(own.Take("eu-west-1", published[0].Id));
        Assert.Equal(OwnPrekeys.PerPeer - 1, own.Count("eu-west-1"));

        // A top-up replaces only what was used; the rest stays as published.
        var again = own.TopUp("eu-west-1");
        Assert.Equal(OwnPrekeys.PerPeer, again.Count);
        Assert.Equal(published.Skip(1).Select(p => p.Id), again.Take(OwnPrekeys.PerPeer - 1).Select(p => p.Id));

        _clock.Advance(OwnPrekeys.Lifetime);
        Assert.Null(own.Take("eu-west-1", published[1].Id));
        Assert.Equal(0, own.Count("eu-west-1"));
        Assert.DoesNotContain(own.TopUp("eu-west-1"), p => p.Id == published[2].Id);
    }

    [Fact]
    public void OwnPrekey_IsForgottenAfterItsLifetime_EvenWhenTheWallClockIsSetBack()
    {
        var clock = new SteppedWallClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var own = new OwnPrekeys(clock);
        var published = own.TopUp("eu-west-1");
        clock.Step(TimeSpan.FromDays(-3));
        clock.Advance(OwnPrekeys.Lifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull(own.Take("eu-west-1", published[0].Id));

        // Its private key is not kept three days longer than published: what it sealed no longer opens here.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(own.Take("eu-west-1", published[1].Id));
        Assert.Equal(0, own.Count("eu-west-1"));
    }

    [Fact]
    public void AskedForMore_OnlyNewOnesAreMade_AsManyAsAsked_WithinTheBound()
    {
        var own = new OwnPrekeys(_clock);
        var published = own.TopUp("eu-west-1");

        var more = own.Grow("eu-west-1", 300);
        Assert.Equal(300, more.Count);
        Assert.Empty(more.Select(p => p.Id).Intersect(published.Select(p => p.Id)));
        Assert.Equal(OwnPrekeys.PerPeer + 300, own.Count("eu-west-1"));

        // However much is asked, the set stays within its bound.
        Assert.Equal(OwnPrekeys.MaxPerPeer - OwnPrekeys.PerPeer - 300, own.Grow("eu-west-1", 1_000_000).Count);
        Assert.Empty(own.Grow("eu-west-1", 10));
        Assert.Equal(OwnPrekeys.MaxPerPeer, own.Count("eu-west-1"));

        // A grown set is not refilled beyond the usual size once it has been used down.
        Assert.Empty(own.Replenish("eu-west-1"));

        // Asked for nothing (or after every prekey expired), it still brings the set back to the usual size.
        _clock.Advance(OwnPrekeys.Lifetime);
        Assert.Equal(OwnPrekeys.PerPeer, own.Grow("eu-west-1", 0).Count);
    }

    [Fact]
    public void PeerPrekey_UsedOnce_NotRevivedByTheSameSetAgain_NorUsedTooCloseToItsExpiry()
    {
        var own = new OwnPrekeys(_clock);
        var peers = new PeerPrekeys(_clock);
        var published = own.TopUp("us-east-1");
        peers.Replace("eu-west-1", published);

        var taken = Enumerable.Range(0, OwnPrekeys.PerPeer).Select(_ => peers.Take("eu-west-1")!.Id).ToList();
        Assert.Equal(published.Select(p => p.Id).Order(), taken.Order());
        Assert.Null(peers.Take("eu-west-1"));
        Assert.Null(peers.Take("ap-southeast-2"));

        // The publisher's same list again (it had not seen them used yet) brings none of them back.
        peers.Replace("eu-west-1", published);
        Assert.Null(peers.Take("eu-west-1"));

        // Fresh ones are used until they have less than the margin left.
        peers.Replace("eu-west-1", own.TopUp("ap-southeast-2"));
        Assert.Equal(OwnPrekeys.PerPeer, peers.Count("eu-west-1"));
        _clock.Advance(OwnPrekeys.Lifetime - PeerPrekeys.Margin);
        Assert.Equal(0, peers.Count("eu-west-1"));
        Assert.Null(peers.Take("eu-west-1"));
    }

    [Fact]
    public void PeerPrekeys_AreBoundedInNumber_AndInHowLongTheyAreBelieved()
    {
        var peers = new PeerPrekeys(_clock);
        var own = new OwnPrekeys(_clock);
        var many = Enumerable.Range(0, 10).SelectMany(i => own.TopUp($"r{i}")).Select(p => p with { ExpiresAt = p.ExpiresAt.AddYears(1) }).ToList();
        peers.Replace("eu-west-1", many);
        Assert.Equal(PeerPrekeys.MaxPerPeer, peers.Count("eu-west-1"));

        // An expiry a year out is taken as no later than a prekey's lifetime.
        _clock.Advance(OwnPrekeys.Lifetime - PeerPrekeys.Margin);
        Assert.Equal(0, peers.Count("eu-west-1"));
    }
}
