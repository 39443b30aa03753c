using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.RegionNode.UnitTests.Storage;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// The console's census of a Region's multi-Region keys is read again only after a key was written, or once a
/// minute: a quiet Region reads nothing. Shown with a change made behind the store's back, which only the minute's
/// refresh can see.
/// </summary>
public sealed class KeyCensusPublisherTests : IDisposable
{
    private readonly TempStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task ReadsAgainAfterAWrite_OrAfterAMinute_NeverOtherwise()
    {
        var census = new StoreCensus(_store.Database, _store.Region);
        _store.Store.KeyWritten += census.NoteKeyWritten;
        var key = await _store.Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, "census", null, null, null, [], true, false),
            CancellationToken.None);
        var frames = new List<KeyCensus>();
        using var stop = new CancellationTokenSource();
        var running = new KeyCensusPublisher(census, _store.Clock).RunAsync(frame =>
        {
            lock (frames)
            {
                frames.Add(frame.Census);
            }

            return Task.CompletedTask;
        }, stop.Token);

        await UntilAsync(1, "Enabled");

        // Behind the store's back: no write was noted, so rounds every two seconds read nothing.
        await using (var connection = await _store.Database.OpenAsync(CancellationToken.None))
        {
            using var command = connection.Command("UPDATE keys SET key_state = 'Disabled' WHERE key_id = $id;");
            command.Parameters.AddWithValue("$id", key.KeyId);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        for (var i = 0; i < 5; i++)
        {
            _store.Clock.Advance(KeyCensusPublisher.Interval);
            await Task.Delay(100);
        }

        Assert.Single(frames);

        // The minute's refresh reads it.
        _store.Clock.Advance(KeyCensusPublisher.Refresh);
        await UntilAsync(2, "Disabled");

        // A write through the store is read in the next round.
        await _store.Lifecycle.EnableKeyAsync(Caller.System, key.KeyId, CancellationToken.None);
        _store.Clock.Advance(KeyCensusPublisher.Interval);
        await UntilAsync(3, "Enabled");

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);

        async Task UntilAsync(int count, string state)
        {
            await Eventually.TrueAsync(() =>
            {
                _store.Clock.Advance(TimeSpan.Zero);
                lock (frames)
                {
                    return Task.FromResult(frames.Count == count && frames[^1].Keys.Single().KeyState == state);
                }
            }, TimeSpan.FromSeconds(10), $"census {count} with the key {state}");
        }
    }
}
