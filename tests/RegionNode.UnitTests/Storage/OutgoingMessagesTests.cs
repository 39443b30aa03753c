using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>A key change and the messages it sends to other Regions commit together or not at all.</summary>
public sealed class OutgoingMessagesTests
{
    private sealed class RecordingBuilder : IEnvelopeBuilder
    {
        // Sequences start at the time of a peer's first message (in microseconds); the IDs count from 1 after that.
        public (string MessageId, byte[] Envelope) Build(OutgoingMessage message, ulong sequence, DateTimeOffset now) =>
            ($"{message.DestinationRegion}-{sequence - (ulong)(now.ToUnixTimeMilliseconds() * 1000) + 1}", [.. message.Payload, (byte)sequence]);
    }

    private static CreateKeyCommand Create() => new(string.Empty, "d", null, null, null, [], true, false);

    [Fact]
    public async Task UpdateKey_WithMessages_OutboxRowsCommitWithTheChange_AndSequencesGrowPerDestination()
    {
        using var store = new TempStore(new RecordingBuilder());
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        var queued = 0;
        store.Store.MessagesQueued += () => queued++;
        key.UpdateDescription("changed");
        await store.Store.UpdateKeyAsync(key,
        [
            new OutgoingMessage("eu-west-1", key.KeyId, "k", [1]),
            new OutgoingMessage("eu-west-1", key.KeyId, "k", [2]),
            new OutgoingMessage("ap-southeast-2", key.KeyId, "k", [3]),
        ], null, WriteDurability.Immediate, CancellationToken.None);

        Assert.Equal(1, queued);
        Assert.Equal("changed", (await store.Store.FindKeyAsync(key.KeyId, CancellationToken.None))!.Description);
        Assert.Equal(["ap-southeast-2-1", "eu-west-1-1", "eu-west-1-2"], OutboxIds(store));
    }

    [Fact]
    public async Task UpdateKey_ChangeFails_NoMessageQueued()
    {
        using var store = new TempStore(new RecordingBuilder());
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        await store.Store.DeleteKeyAsync(key.KeyId, CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.Store.UpdateKeyAsync(key, [new OutgoingMessage("eu-west-1", key.KeyId, "k", [1])], null, WriteDurability.Immediate, CancellationToken.None));
        Assert.Empty(OutboxIds(store));
    }

    [Fact]
    public async Task UpdateKey_MessagesWithoutControlPlane_RefusedAndNothingChanges()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        key.UpdateDescription("must not stick");
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.Store.UpdateKeyAsync(key, [new OutgoingMessage("eu-west-1", key.KeyId, "k", [1])], null, WriteDurability.Immediate, CancellationToken.None));
        Assert.Equal("d", (await store.Store.FindKeyAsync(key.KeyId, CancellationToken.None))!.Description);
        Assert.Empty(OutboxIds(store));
    }

    private static List<string> OutboxIds(TempStore store)
    {
        using var connection = new SqliteConnection($"Data Source={store.Database.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT message_id FROM outbox ORDER BY message_id;";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
