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
}
