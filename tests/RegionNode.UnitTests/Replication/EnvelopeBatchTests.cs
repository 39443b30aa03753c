using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.RegionNode.UnitTests.Storage;
using Grpc.Mrk.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// Batches: what waits in the outbox leaves under one signature per destination; the receiving inbox checks that
/// signature once, refuses a batch whose members were cut, reordered, moved or altered, applies each member once
/// (whatever batch it comes in again), and applies different keys side by side, each key in order.
/// </summary>
public sealed class EnvelopeBatchTests : IDisposable
{
    private const string East = "us-east-1";
    private const string West = "eu-west-1";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _certificates = new();
    private readonly ReplicationIdentity _east;
    private readonly ReplicationIdentity _west;
    private readonly TempStore _westStore = new(region: West);
    private readonly RecordingHandler _handler = new();
    private readonly Inbox _inbox;

    public EnvelopeBatchTests()
    {
        ClusterBootstrap.Run(new ClusterLayout(_certificates.Path), [East, West], [], TimeProvider.System);
        _east = new ReplicationIdentity(_certificates.Path, East, TimeProvider.System);
        _west = new ReplicationIdentity(_certificates.Path, West, TimeProvider.System);
        _inbox = new Inbox(_westStore.Relay, _west, [_handler], _westStore.AuditLog, _westStore.Region, NullLogger<Inbox>.Instance);
    }

    public void Dispose()
    {
        _east.Dispose();
        _west.Dispose();
        _westStore.Dispose();
        _certificates.Dispose();
    }

    [Fact]
    public async Task Form_PerDestinationInOrder_OneSignatureForManyAndNoneSharedForOne()
    {
        var pending = new List<RelayStore.Pending>
        {
            Row(West, 10, "k1"), Row("ap-southeast-2", 11, "k1"), Row(West, 12, "k2"), Row(West, 13, "k1"),
        };
        var sent = (await EnvelopeBatches.FormAsync(pending, East, Now, _east.SigningKey));

        Assert.Equal(2, sent.Count);
        var batch = sent.Single(s => s.Envelope.DestinationRegion == West);
        Assert.Equal(EnvelopeBatches.Kind, batch.Envelope.Kind);
        Assert.Equal(13UL, batch.Envelope.Sequence);
        Assert.Equal(["m10", "m12", "m13"], batch.MemberIds);

        // Named by its members, within the ControlPlane's 64 characters: sent again as the same batch, stored once.
        Assert.InRange(batch.Envelope.MessageId.Length, 1, 64);
        Assert.Equal(batch.Envelope.MessageId, (await EnvelopeBatches.FormAsync(pending, East, Now.AddMinutes(1), _east.SigningKey))
            .Single(s => s.Envelope.DestinationRegion == West).Envelope.MessageId);
        Assert.True(EnvelopeSigning.Verify(batch.Envelope, _east.PeerSigningKey(East)!));
        var members = Batch.Parser.ParseFrom(batch.Envelope.Payload).Members;
        Assert.Equal([10UL, 12UL, 13UL], members.Select(m => m.Sequence));
        Assert.All(members, m => Assert.True(m.Signature.IsEmpty));

        // A message alone leaves as it always did: an envelope of its own kind, signed itself.
        var single = sent.Single(s => s.Envelope.DestinationRegion == "ap-southeast-2");
        Assert.Equal(Probe.Descriptor.FullName, single.Envelope.Kind);
        Assert.Equal(["m11"], single.MemberIds);
        Assert.True(EnvelopeSigning.Verify(single.Envelope, _east.PeerSigningKey(East)!));
    }

    [Fact]
    public async Task Form_BoundedInMembersAndBytes()
    {
        var many = Enumerable.Range(1, 600).Select(i => Row(West, (ulong)i, $"k{i}")).ToList();
        Assert.Equal([256, 256, 88], (await EnvelopeBatches.FormAsync(many, East, Now, _east.SigningKey)).Select(s => s.MemberIds.Count));

        var big = Enumerable.Range(1, 10).Select(i => Row(West, (ulong)i, $"k{i}", payloadBytes: 60 * 1024)).ToList();
        var sent = (await EnvelopeBatches.FormAsync(big, East, Now, _east.SigningKey));
        Assert.All(sent, s => Assert.True(s.Envelope.Payload.Length <= EnvelopeBatches.MaxPayloadBytes, $"{s.Envelope.Payload.Length} bytes"));
        Assert.Equal(10, sent.Sum(s => s.MemberIds.Count));
    }

    [Fact]
    public async Task Receive_AppliesEveryMemberOnce_AndABatchSentAgainWithOtherBoundariesOnlyItsNewMembers()
    {
        var rows = Enumerable.Range(1, 5).Select(i => Row(West, (ulong)i, "k1")).ToList();
        await _inbox.ReceiveAsync(await BatchOfAsync(rows[..3]), None);
        Assert.Equal(["m1", "m2", "m3"], _handler.Applied("k1"));

        // The same batch again (a redelivery or a replay), then the outbox sent again after a reconnect as one batch.
        await _inbox.ReceiveAsync(await BatchOfAsync(rows[..3]), None);
        await _inbox.ReceiveAsync(await BatchOfAsync(rows), None);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], _handler.Applied("k1"));
        Assert.Equal(5UL, await _westStore.Relay.LastAppliedAsync(East, None));
    }

    [Fact]
    public async Task Receive_DifferentKeysSideBySide_EachKeyInOrder()
    {
        // k1's first message waits until k2's has been applied: only possible if they are applied at the same time.
        _handler.Hold("m1", until: "m2");
        var rows = new[] { Row(West, 1, "k1"), Row(West, 2, "k2"), Row(West, 3, "k1"), Row(West, 4, "k2") };
        await _inbox.ReceiveAsync(await BatchOfAsync(rows), None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(["m1", "m3"], _handler.Applied("k1"));
        Assert.Equal(["m2", "m4"], _handler.Applied("k2"));
    }

    public static TheoryData<string> Tamperings() => ["cut", "reorder", "move", "alter", "resequence", "foreign member", "nested", "undecodable"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task Receive_TamperedBatch_RefusedWhole_NothingApplied(string tampering)
    {
        var rows = Enumerable.Range(1, 4).Select(i => Row(West, (ulong)i, $"k{i}")).ToList();
        var envelope = await BatchOfAsync(rows);
        var batch = Batch.Parser.ParseFrom(envelope.Payload);
        switch (tampering)
        {
            case "cut":
                batch.Members.RemoveAt(1);
                break;
            case "reorder":
                (batch.Members[0], batch.Members[1]) = (batch.Members[1], batch.Members[0]);
                break;
            case "move":
                // A member of another, validly signed batch put into this one.
                batch.Members[1] = Batch.Parser.ParseFrom((await BatchOfAsync([Row(West, 2, "other"), Row(West, 3, "other")])).Payload).Members[0];
                break;
            case "alter":
                batch.Members[2].Payload = ByteString.CopyFromUtf8("changed");
                break;
            case "resequence":
                batch.Members[3].Sequence = 99;
                break;
            case "foreign member":
                batch.Members[0].SourceRegion = West;
                break;
            case "nested":
                batch.Members[0].Kind = EnvelopeBatches.Kind;
                break;
        }

        envelope.Payload = tampering == "undecodable" ? ByteString.CopyFrom(0x0a, 0xff, 0xff, 0x01) : batch.ToByteString();
        if (tampering is "foreign member" or "nested" or "undecodable")
        {
            // Even signed by the source itself, a batch that does not decode, or whose members are not its own kind of message, is refused.
            EnvelopeSigning.Sign(envelope, _east.SigningKey);
        }

        await _inbox.ReceiveAsync(envelope, None);
        Assert.Empty(_handler.All);
        Assert.Equal(0UL, await _westStore.Relay.LastAppliedAsync(East, None));
        Assert.Contains(await _westStore.AuditedAsync("ReceiveEnvelope"),
            json => json.Contains("\"errorCode\":\"AccessDeniedException\"", StringComparison.Ordinal));
    }

    private async Task<Envelope> BatchOfAsync(IReadOnlyList<RelayStore.Pending> rows)
    {
        var sent = await EnvelopeBatches.FormAsync(rows, East, Now, _east.SigningKey);
        return Assert.Single(sent).Envelope;
    }

    private static RelayStore.Pending Row(string destination, ulong sequence, string keyId, int payloadBytes = 4)
    {
        var envelope = new Envelope
        {
            MessageId = $"m{sequence}",
            SourceRegion = East,
            DestinationRegion = destination,
            KeyId = keyId,
            Sequence = sequence,
            SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Now),
            Kind = Probe.Descriptor.FullName,
            Payload = new Probe { Text = new string('p', payloadBytes) }.ToByteString(),
        };
        return new RelayStore.Pending(envelope.MessageId, destination, (long)sequence, envelope.ToByteArray());
    }

    /// <summary>Records what it applies, per key, and can hold one message until another has been applied.</summary>
    private sealed class RecordingHandler : IEnvelopeHandler
    {
        private readonly ConcurrentQueue<(string KeyId, string MessageId)> _applied = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _seen = new(StringComparer.Ordinal);
        private (string Held, string Until)? _hold;

        public string Kind => Probe.Descriptor.FullName;

        public IReadOnlyList<(string KeyId, string MessageId)> All => [.. _applied];

        public void Hold(string held, string until) => _hold = (held, until);

        public IReadOnlyList<string> Applied(string keyId) => [.. _applied.Where(a => a.KeyId == keyId).Select(a => a.MessageId)];

        public async Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken)
        {
            if (_hold is { } hold && hold.Held == envelope.MessageId)
            {
                await Seen(hold.Until).Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }

            _applied.Enqueue((envelope.KeyId, envelope.MessageId));
            Seen(envelope.MessageId).TrySetResult();
        }

        private TaskCompletionSource Seen(string messageId) =>
            _seen.GetOrAdd(messageId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
