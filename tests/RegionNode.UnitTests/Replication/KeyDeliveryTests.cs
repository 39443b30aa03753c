using Google.Protobuf;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.UnitTests.Storage;
using Grpc.Mrk.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// Material that travels with the message announcing it: two Regions with real stores, the real sealing as batches
/// leave and the real inbox (signatures, sequences, prekeys) as they arrive. A new replica is Enabled after one
/// message and a rotation is current everywhere after three; a Region that cannot open what it was sent asks for it the
/// older way; no envelope holds material the relay could read.
/// </summary>
public sealed class KeyDeliveryTests : IDisposable
{
    private const string East = "us-east-1";
    private const string West = "eu-west-1";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TempDirectory _certificates = new();
    private readonly Dictionary<string, Region> _regions = [];

    public KeyDeliveryTests()
    {
        ClusterBootstrap.Run(new ClusterLayout(_certificates.Path), [East, West], [], TimeProvider.System);
        foreach (var name in new[] { East, West })
        {
            _regions[name] = new Region(_certificates.Path, name);
        }
    }

    public void Dispose()
    {
        foreach (var region in _regions.Values)
        {
            region.Dispose();
        }

        _certificates.Dispose();
    }

    [Fact]
    public async Task NewReplica_EnabledByTheCreationAlone_RotationCurrentAfterThreeMessages_NothingReadableOnTheWay()
    {
        await StartAsync();
        var key = await CreatePrimaryAsync();
        await _regions[East].Store.MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, "west", [], false, None);

        var creation = Assert.Single(await SendAsync(East));
        Assert.Equal(CreateReplica.Descriptor.FullName, creation.Kind);
        var material = await MaterialAsync(East, key.KeyId);
        Assert.Equal(-1, creation.ToByteArray().AsSpan().IndexOf(material[0]));

        var replica = (await _regions[West].Store.Store.FindKeyAsync(key.KeyId, None))!;
        Assert.Equal(KeyState.Enabled, replica.State);
        Assert.Equal(material, await MaterialAsync(West, key.KeyId));
        Assert.DoesNotContain(KeyRequest.Descriptor.FullName, await KindsQueuedAsync(West));

        await PumpAsync();
        await _regions[East].Store.Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, None);
        var hops = await PumpAsync();
        Assert.Equal([WireKind<Grpc.Mrk.Internal.V1.SharedState>(), WireKind<SyncAck>(), WireKind<Grpc.Mrk.Internal.V1.SharedState>(), WireKind<SyncAck>()],
            hops.Where(h => h.Kind != TransportPrekeys.Descriptor.FullName).Select(h => h.Kind));
        var rotated = await MaterialAsync(East, key.KeyId);
        Assert.Equal(rotated, await MaterialAsync(West, key.KeyId));
        Assert.Equal(2, rotated.Count);
        Assert.Equal((await _regions[East].Store.Store.FindKeyAsync(key.KeyId, None))!.CurrentMaterial.MaterialId,
            (await _regions[West].Store.Store.FindKeyAsync(key.KeyId, None))!.CurrentMaterial.MaterialId);
        Assert.All(hops, h => Assert.Equal(-1, h.ToByteArray().AsSpan().IndexOf(rotated[1])));
    }

    [Fact]
    public async Task ManyCreations_OneBatch_OneAgreement_AndThePrekeyIsGoneAfterwards()
    {
        await StartAsync();
        var keys = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var key = await CreatePrimaryAsync();
            await _regions[East].Store.MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, None);
            keys.Add(key.KeyId);
        }

        var batch = Assert.Single(await SendAsync(East));
        var members = Batch.Parser.ParseFrom(batch.Payload).Members;
        Assert.Equal(20, members.Count);
        Assert.Single(members.Select(m => (m.Delivery.PrekeyId, m.Delivery.SenderPublicKey)).Distinct());
        Assert.Null(_regions[West].Own.Take(East, members[0].Delivery.PrekeyId));
        foreach (var keyId in keys)
        {
            Assert.Equal(KeyState.Enabled, (await _regions[West].Store.Store.FindKeyAsync(keyId, None))!.State);
        }

        // The prekey it used is replaced at once, and nothing asks for material.
        var queued = await KindsQueuedAsync(West);
        Assert.Contains(TransportPrekeys.Descriptor.FullName, queued);
        Assert.DoesNotContain(KeyRequest.Descriptor.FullName, queued);
    }

    [Fact]
    public async Task ReplicaRegionRestartedSinceItsPrekeys_AsksForTheMaterial_AndStillConverges()
    {
        await StartAsync();
        _regions[West].Restart();
        var key = await CreatePrimaryAsync();
        await _regions[East].Store.MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, None);

        Assert.NotNull(Assert.Single(await SendAsync(East)).Delivery);
        Assert.Equal(KeyState.Creating, (await _regions[West].Store.Store.FindKeyAsync(key.KeyId, None))!.State);
        Assert.Contains(KeyRequest.Descriptor.FullName, await KindsQueuedAsync(West));

        await PumpAsync();
        Assert.Equal(KeyState.Enabled, (await _regions[West].Store.Store.FindKeyAsync(key.KeyId, None))!.State);
        Assert.Equal(await MaterialAsync(East, key.KeyId), await MaterialAsync(West, key.KeyId));
    }

    [Fact]
    public async Task WithoutPrekeys_TheCreationLeavesWithoutMaterial_AndThePrimaryAsksForSome()
    {
        var key = await CreatePrimaryAsync();
        await _regions[East].Store.MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, None);
        Assert.Null(Assert.Single(await SendAsync(East)).Delivery);
        var ask = TransportPrekeys.Parser.ParseFrom(Envelope.Parser.ParseFrom(Assert.Single(await _regions[East].Store.Relay.PendingAsync(10, None)).Envelope).Payload);
        Assert.True(ask.SendYours);
        Assert.False(ask.Complete);
        Assert.Empty(ask.Prekeys);
        Assert.Equal(OwnPrekeys.PerPeer / 2, (int)ask.Wanted);

        await PumpAsync();
        Assert.Equal(KeyState.Enabled, (await _regions[West].Store.Store.FindKeyAsync(key.KeyId, None))!.State);
        Assert.True(_regions[East].Peers.Count(West) > 0);
    }

    [Fact]
    public async Task RunningLow_ASenderAsksAhead_AndIsSentOnlyNewPrekeys_NotTheWholeSetAgain()
    {
        await StartAsync();
        for (var i = 0; i < OwnPrekeys.PerPeer - 56; i++)
        {
            Assert.NotNull(_regions[East].Peers.Take(West));
        }

        var key = await CreatePrimaryAsync();
        await _regions[East].Store.MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, None);
        var hops = await PumpAsync();
        Assert.Equal(KeyState.Enabled, (await _regions[West].Store.Store.FindKeyAsync(key.KeyId, None))!.State);

        // One ask, ahead of running out; answered with as many new prekeys as asked, added to what East held.
        var prekeys = hops.Where(h => h.Kind == TransportPrekeys.Descriptor.FullName)
            .Select(h => (h.SourceRegion, Message: TransportPrekeys.Parser.ParseFrom(h.Payload))).ToList();
        var ask = Assert.Single(prekeys, p => p.Message.SendYours).Message;
        Assert.Equal(East, Assert.Single(prekeys, p => p.Message.SendYours).SourceRegion);
        Assert.False(ask.Complete);
        Assert.All(prekeys.Where(p => p.SourceRegion == West), p => Assert.False(p.Message.Complete));
        Assert.Contains(prekeys, p => p.SourceRegion == West && p.Message.Prekeys.Count == (int)ask.Wanted);
        Assert.Equal(55 + 1 + (int)ask.Wanted, _regions[East].Peers.Count(West));
    }

    [Theory]
    [InlineData("material")]
    [InlineData("prekey")]
    [InlineData("sender")]
    public async Task AlteredDelivery_SignatureRefusesIt(string field)
    {
        await StartAsync();
        var key = await CreatePrimaryAsync();
        await _regions[East].Store.MultiRegion.ReplicateKeyAsync(Caller.System, key.KeyId, West, string.Empty, string.Empty, [], false, None);
        var applied = await _regions[West].Store.Relay.LastAppliedAsync(East, None);
        var pending = await _regions[East].Store.Relay.PendingAsync(10, None);
        var envelope = Assert.Single(await EnvelopeBatches.FormAsync(pending, East, DateTimeOffset.UtcNow, _regions[East].Identity.SigningKey,
            _regions[East].Deliveries, cancellationToken: None)).Envelope;
        switch (field)
        {
            case "material":
                envelope.Delivery.Materials[0].Ciphertext = ByteString.CopyFrom([.. envelope.Delivery.Materials[0].Ciphertext.Span[..^1], 0]);
                break;
            case "prekey":
                envelope.Delivery.PrekeyId = new string('0', 32);
                break;
            default:
                envelope.Delivery.SenderPublicKey = ByteString.CopyFrom(_regions[West].Own.TopUp("x")[0].PublicKey);
                break;
        }

        await _regions[West].Inbox.ReceiveAsync(envelope, None);
        Assert.Null(await _regions[West].Store.Store.FindKeyAsync(key.KeyId, None));
        Assert.Equal(applied, await _regions[West].Store.Relay.LastAppliedAsync(East, None));
    }

    private async Task StartAsync()
    {
        foreach (var region in _regions.Values)
        {
            await region.Deliveries.PublishToAllAsync(None);
        }

        await PumpAsync();
        Assert.Equal(OwnPrekeys.PerPeer, _regions[East].Peers.Count(West));
        Assert.Equal(OwnPrekeys.PerPeer, _regions[West].Peers.Count(East));
    }

    private async Task<KmsKey> CreatePrimaryAsync() =>
        await _regions[East].Store.Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, "set", null, null, null, [], true, false), None);

    /// <summary>What <paramref name="source"/> has queued, formed into batches and sealed as the link does, delivered to each destination's inbox.</summary>
    private async Task<IReadOnlyList<Envelope>> SendAsync(string source)
    {
        var region = _regions[source];
        var pending = await region.Store.Relay.PendingAsync(1000, None);
        var sent = await EnvelopeBatches.FormAsync(pending, source, region.Store.Clock.GetUtcNow(), region.Identity.SigningKey, region.Deliveries, cancellationToken: None);
        await region.Store.Relay.RemoveAsync(pending.Select(p => p.MessageId).ToList(), None);
        foreach (var outgoing in sent)
        {
            await _regions[outgoing.Envelope.DestinationRegion].Inbox.ReceiveAsync(outgoing.Envelope, None);
        }

        return sent.Select(s => s.Envelope).ToList();
    }

    /// <summary>Sends back and forth until nothing is queued; every envelope sent, in order (members of batches listed one by one).</summary>
    private async Task<IReadOnlyList<Envelope>> PumpAsync()
    {
        var all = new List<Envelope>();
        for (var round = 0; round < 50; round++)
        {
            var sent = new List<Envelope>();
            foreach (var name in _regions.Keys)
            {
                sent.AddRange(await SendAsync(name));
            }

            if (sent.Count == 0)
            {
                return all;
            }

            all.AddRange(sent.SelectMany(e => e.Kind == EnvelopeBatches.Kind ? [.. Batch.Parser.ParseFrom(e.Payload).Members] : new[] { e }));
        }

        throw new InvalidOperationException("the Regions did not settle");
    }

    private async Task<IReadOnlyList<string>> KindsQueuedAsync(string region) =>
        (await _regions[region].Store.Relay.PendingAsync(1000, None)).Select(p => Envelope.Parser.ParseFrom(p.Envelope).Kind).ToList();

    private async Task<IReadOnlyList<byte[]>> MaterialAsync(string region, string keyId)
    {
        var store = _regions[region].Store;
        var key = (await store.Store.FindKeyAsync(keyId, None))!;
        return key.Materials.Where(m => m.IsHeld).Select(m => store.Protector.Unwrap(m.WrappedMaterial!, keyId, m.MaterialId)).ToList();
    }

    private static string WireKind<T>()
        where T : IMessage<T>, new() => new T().Descriptor.FullName;

    /// <summary>One Region: its store and domain, and the node's own replication pieces over a relay the test drives.</summary>
    private sealed class Region : IDisposable
    {
        private readonly string _name;

        public Region(string certificates, string name)
        {
            _name = name;
            Identity = new ReplicationIdentity(certificates, name, TimeProvider.System);
            Store = new TempStore(new OutgoingEnvelopes(name), name,
                store => new ClusterChannel(Identity, new Outbox(store.Relay, new OutgoingEnvelopes(name), store.Clock),
                    new SequenceFloors(store.Relay, Identity, store.Clock, NullLogger<SequenceFloors>.Instance)));
            Outbox = new Outbox(Store.Relay, new OutgoingEnvelopes(name), Store.Clock);
            Restart();
        }

        public ReplicationIdentity Identity { get; }

        public TempStore Store { get; }

        public Outbox Outbox { get; }

        public OwnPrekeys Own { get; private set; } = null!;

        public PeerPrekeys Peers { get; private set; } = null!;

        public KeyDeliveries Deliveries { get; private set; } = null!;

        public Inbox Inbox { get; private set; } = null!;

        /// <summary>What a process restart forgets: every prekey, its own and the other Region's.</summary>
        public void Restart()
        {
            Own = new OwnPrekeys(Store.Clock);
            Peers = new PeerPrekeys(Store.Clock);
            Deliveries = new KeyDeliveries(Own, Peers, new PrekeyDemand(Store.Clock), Store.Store, Store.Protector, Outbox, Identity, NullLogger<KeyDeliveries>.Instance);
            var handlers = ReplicationCodec.Kinds.Select(kind => (IEnvelopeHandler)new ReplicationHandler(kind, Store.Receiver, Deliveries,
                NullLogger<ReplicationHandler>.Instance)).Append(new PrekeyHandler(Deliveries)).ToList();
            Inbox = new Inbox(Store.Relay, Identity, handlers, Store.AuditLog, Store.Region, NullLogger<Inbox>.Instance, Deliveries);
        }

        public void Dispose()
        {
            Store.Dispose();
            Identity.Dispose();
        }

        public override string ToString() => _name;
    }
}
