using System.Text;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>The outbox as the ControlPlane link reads it: in sequence order, reading on past what was already sent.</summary>
public sealed class RelayStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Pending_InSequenceOrderPerDestination_EvenWhenCreatedOutOfOrder()
    {
        using var store = new TempStore();
        var now = store.Clock.GetUtcNow();
        // The later change commits first with an earlier timestamp: sequence order, not time order, is what the receiver needs.
        await store.Relay.EnqueueAsync("eu-west-1", s => ($"a-{s}", Encoding.UTF8.GetBytes("first")), now, WriteDurability.Immediate, None);
        await store.Relay.EnqueueAsync("eu-west-1", s => ($"b-{s}", Encoding.UTF8.GetBytes("second")), now - TimeSpan.FromSeconds(5), WriteDurability.Immediate, None);

        var pending = await store.Relay.PendingAsync(10, None);
        Assert.Equal(["first", "second"], pending.Select(p => Encoding.UTF8.GetString(p.Envelope)));
        Assert.True(pending[0].Sequence < pending[1].Sequence);
    }

    [Fact]
    public async Task Pending_ReadsOnPastWhatWasSent_PerDestination()
    {
        using var store = new TempStore();
        var now = store.Clock.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await store.Relay.EnqueueAsync("eu-west-1", s => ($"eu-{s}", [1]), now, WriteDurability.Immediate, None);
            await store.Relay.EnqueueAsync("ap-southeast-2", s => ($"ap-{s}", [2]), now, WriteDurability.Immediate, None);
        }

        var first = await store.Relay.PendingAsync(2, None);
        Assert.Equal(2, first.Count);
        var sent = first.GroupBy(p => p.Destination).ToDictionary(g => g.Key, g => g.Max(p => p.Sequence));

        var rest = await store.Relay.PendingAsync(100, None, sent);
        Assert.Equal(4, rest.Count);
        Assert.DoesNotContain(rest, p => first.Any(f => f.MessageId == p.MessageId));
        Assert.Equal(6L, await store.Relay.BacklogAsync(None));

        await store.Relay.RemoveAsync(first[0].MessageId, None);
        Assert.Equal(5L, await store.Relay.BacklogAsync(None));
    }

    /// <summary>
    /// After a restore nothing leaves for a peer until it says how far it got in this Region's sequence; then what
    /// waits for it is numbered on from there in the same order, and what is queued later follows. An answer to no
    /// open question (a replay, another peer's nonce, a floor past any real count) changes nothing.
    /// </summary>
    [Fact]
    public async Task HeldForAFloor_NothingLeaves_ThenNumberedOnFromThePeersAnswer_InOrder()
    {
        using var store = new TempStore();
        var now = store.Clock.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            var text = $"{i}";
            await store.Relay.EnqueueAsync("eu-west-1", s => ($"eu-{text}", Encoding.UTF8.GetBytes(text)), now, WriteDurability.Immediate, None);
        }

        await store.Relay.EnqueueAsync("ap-southeast-2", s => ("ap-0", [7]), now, WriteDurability.Immediate, None);
        var before = (await store.Relay.PendingAsync(10, None)).ToDictionary(p => p.MessageId, p => p.Sequence);
        await store.Relay.HoldForFloorsAsync(["eu-west-1", "ap-southeast-2"], None);
        Assert.Empty(await store.Relay.PendingAsync(10, None));
        var awaited = await store.Relay.AwaitedFloorsAsync(None);
        Assert.Equal(["ap-southeast-2", "eu-west-1"], awaited.Select(a => a.Peer));
        var nonce = awaited.Single(a => a.Peer == "eu-west-1").Nonce;
        var otherNonce = awaited.Single(a => a.Peer == "ap-southeast-2").Nonce;

        // The peer applied 500 more than the restored store knows of.
        var floor = (ulong)before["eu-2"] + 500;
        Assert.False(await store.Relay.ApplyFloorAsync("eu-west-1", otherNonce, floor, None));
        Assert.False(await store.Relay.ApplyFloorAsync("eu-west-1", nonce, 1UL << 62, None));
        Assert.Empty(await store.Relay.PendingAsync(10, None));

        Assert.True(await store.Relay.ApplyFloorAsync("eu-west-1", nonce, floor, None));
        var pending = await store.Relay.PendingAsync(10, None);
        Assert.Equal([(long)floor + 1, (long)floor + 2, (long)floor + 3], pending.Select(p => p.Sequence));
        Assert.Equal(["0", "1", "2"], pending.Select(p => Encoding.UTF8.GetString(p.Envelope)));
        Assert.False(await store.Relay.ApplyFloorAsync("eu-west-1", nonce, floor + 400, None));
        await store.Relay.EnqueueAsync("eu-west-1", s => ("eu-next", [9]), now, WriteDurability.Immediate, None);
        Assert.Equal((long)floor + 4, (await store.Relay.PendingAsync(10, None)).Single(p => p.MessageId == "eu-next").Sequence);

        // A peer that applied less than what is queued: the numbers stand.
        Assert.True(await store.Relay.ApplyFloorAsync("ap-southeast-2", otherNonce, 0, None));
        Assert.Equal(before["ap-0"], (await store.Relay.PendingAsync(10, None)).Single(p => p.MessageId == "ap-0").Sequence);
        Assert.Empty(await store.Relay.AwaitedFloorsAsync(None));
    }
}
