using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.UnitTests.Storage;

namespace Grpc.Mrk.RegionNode.UnitTests.Domain;

/// <summary>The one write path: a change holds its key's lock until disposed, and writes once.</summary>
public sealed class KeyChangeTests
{
    private static CreateKeyCommand Create() => new(string.Empty, "d", null, KeySpec.SYMMETRIC_DEFAULT, null, [], false, false);

    [Fact]
    public async Task AChange_WritesOnce_AndAnotherWaitsForItsLock()
    {
        using var store = new TempStore();
        var created = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);

        Task<KeyChange> second;
        using (var first = await store.Changes.OpenAsync(created.KeyId, Caller.System, CancellationToken.None))
        {
            first.Key!.Disable();
            second = store.Changes.OpenAsync(created.KeyId, Caller.System, CancellationToken.None);
            Assert.False(second.IsCompleted, "a second change to the key did not wait for the first");
            await first.SaveAsync([], CancellationToken.None);
            var again = await Assert.ThrowsAsync<InvalidOperationException>(() => first.SaveAsync([], CancellationToken.None));
            Assert.Contains("commits once", again.Message, StringComparison.Ordinal);
        }

        // The next change sees what the first committed.
        using var next = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(KeyState.Disabled, next.Key!.State);
    }

    [Fact]
    public async Task AChange_ToAKeyThatDoesNotExist_CanOnlyInsertIt()
    {
        using var store = new TempStore();
        using var change = await store.Changes.OpenAsync("1234abcd-12ab-34cd-56ef-1234567890ab", Caller.System, CancellationToken.None);
        Assert.Null(change.Key);
        await Assert.ThrowsAsync<InvalidOperationException>(() => change.SaveAsync([], CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => change.DeleteAsync(null, [], CancellationToken.None));
        Assert.Null(await store.Store.FindKeyAsync(change.KeyId, CancellationToken.None));
    }
}
