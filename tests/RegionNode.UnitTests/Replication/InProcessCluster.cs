using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Internal.V1;
using HandOff = Grpc.Mrk.RegionNode.Domain.Model.HandOff;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.RegionNode.UnitTests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>
/// Several Regions in one process, each with its own real store, crypto and replication domain, joined by a relay the
/// test drives by hand: it can deliver in any interleaving and deliver messages again, to check that the protocol's
/// handlers converge whatever the network does (signatures and sequence checks are the inbox's job, tested elsewhere).
/// </summary>
internal sealed class InProcessCluster : IDisposable
{
    private readonly Random _random;
    private readonly List<(string Source, Envelope Envelope)> _delivered = [];

    public InProcessCluster(int seed, params string[] regions)
    {
        _random = new Random(seed);
        foreach (var region in regions)
        {
            Regions[region] = new TempStore(new OutgoingEnvelopes(region), region, store => new Channel(store, regions), Clock);
        }
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public Dictionary<string, TempStore> Regions { get; } = new(StringComparer.Ordinal);

    public TempStore this[string region] => Regions[region];

    /// <summary>
    /// Delivers every queued message, choosing the next sender at random each time (per sender, in order) and, with
    /// probability <paramref name="duplicateRate"/>, delivering an already delivered message again. Returns how many it delivered.
    /// </summary>
    public async Task<int> DeliverAllAsync(double duplicateRate = 0.3, int maxMessages = 2000)
    {
        var count = 0;
        while (count < maxMessages)
        {
            var ready = new List<(string Region, string MessageId, byte[] Bytes)>();
            foreach (var (region, store) in Regions)
            {
                var pending = await store.Relay.PendingAsync(1, CancellationToken.None);
                ready.AddRange(pending.Select(p => (region, p.MessageId, p.Envelope)));
            }

            if (ready.Count == 0)
            {
                return count;
            }

            var (source, messageId, bytes) = ready[_random.Next(ready.Count)];
            await this[source].Relay.RemoveAsync(messageId, CancellationToken.None);
            var envelope = Envelope.Parser.ParseFrom(bytes);
            await DeliverAsync(source, envelope);
            _delivered.Add((source, envelope));
            count++;
            if (_random.NextDouble() < duplicateRate)
            {
                var (againSource, again) = _delivered[_random.Next(_delivered.Count)];
                await DeliverAsync(againSource, again);
                count++;
            }
        }

        throw new InvalidOperationException($"the cluster did not settle within {maxMessages} messages");
    }

    /// <summary>Delivers the oldest message <paramref name="region"/> has queued, if any.</summary>
    public async Task DeliverOneFromAsync(string region)
    {
        var pending = await this[region].Relay.PendingAsync(1, CancellationToken.None);
        if (pending.Count == 0)
        {
            throw new InvalidOperationException($"{region} has nothing to send");
        }

        await this[region].Relay.RemoveAsync(pending[0].MessageId, CancellationToken.None);
        await DeliverAsync(region, Envelope.Parser.ParseFrom(pending[0].Envelope));
    }

    /// <summary>Delivers the oldest message of <paramref name="kind"/> that <paramref name="region"/> has queued, ahead of any older ones of other kinds.</summary>
    public async Task DeliverFirstOfKindAsync(string region, string kind)
    {
        var pending = await this[region].Relay.PendingAsync(10_000, CancellationToken.None);
        var first = pending.FirstOrDefault(p => Envelope.Parser.ParseFrom(p.Envelope).Kind == kind)
            ?? throw new InvalidOperationException($"{region} has no {kind} to send");
        await this[region].Relay.RemoveAsync(first.MessageId, CancellationToken.None);
        await DeliverAsync(region, Envelope.Parser.ParseFrom(first.Envelope));
    }

    /// <summary>Moves time on and runs every Region's anti-entropy pass, then delivers what it sent.</summary>
    public async Task AntiEntropyAsync(TimeSpan after)
    {
        Clock.Advance(after);
        foreach (var store in Regions.Values)
        {
            await store.Receiver.AntiEntropyAsync(CancellationToken.None);
        }

        await DeliverAllAsync(duplicateRate: 0);
    }

    public void Dispose()
    {
        foreach (var store in Regions.Values)
        {
            store.Dispose();
        }
    }

    private Task<ReceiveOutcome> DeliverAsync(string source, Envelope envelope) =>
        this[envelope.DestinationRegion].Receiver.ReceiveAsync(source, envelope.KeyId,
            ReplicationCodec.Decode(envelope.Kind, envelope.Payload, envelope.MessageId), CancellationToken.None);

    /// <summary>A hand-off signed with <paramref name="signer"/>'s real signing key, saying whatever an attacker holding it chooses.</summary>
    public static HandOff SignAs(string signer, string keyId, long epoch, string previousPrimary, string newPrimary) =>
        HandOffSignatures.Sign(SigningKey(signer), keyId, epoch, previousPrimary, newPrimary, Grpc.Mrk.RegionNode.Domain.Policies.Caller.SystemPrincipal);

    /// <summary>Every message <paramref name="region"/> has queued and not yet sent, decoded: what would leave it.</summary>
    public async Task<IReadOnlyList<(string Destination, string Kind, string MessageId)>> OutboxAsync(string region)
    {
        var pending = await this[region].Relay.PendingAsync(10_000, CancellationToken.None);
        return pending.Select(p => Envelope.Parser.ParseFrom(p.Envelope)).Select(e => (e.DestinationRegion, e.Kind, e.MessageId)).ToList();
    }

    /// <summary>Each Region's replication signing key, as the cluster PKI would give them (made in memory here).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Security.Cryptography.ECDsa> SigningKeys = new();

    private static System.Security.Cryptography.ECDsa SigningKey(string region) =>
        SigningKeys.GetOrAdd(region, _ => System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384));

    private sealed class Channel(TempStore store, string[] regions) : IReplicationChannel
    {
        public HandOff SignHandOff(string keyId, long epoch, string newPrimary, string requestedBy) =>
            HandOffSignatures.Sign(SigningKey(store.Region.Region), keyId, epoch, store.Region.Region, newPrimary, requestedBy);

        public bool Verifies(string keyId, HandOff handOff) =>
            regions.Contains(handOff.PreviousPrimary) && HandOffSignatures.Verify(SigningKey(handOff.PreviousPrimary), keyId, handOff);

        public bool IsClusterRegion(string region) => region != store.Region.Region && regions.Contains(region);

        public string? BreakGlassProblem(string keyId, HandOff handOff) => "no operators in an in-process cluster";

        public HandOff SignBreakGlass(string keyId, long epoch, string previousPrimary, string requestedBy, Grpc.Mrk.RegionNode.Domain.Model.BreakGlassOrder order) =>
            throw new NotSupportedException("no operators in an in-process cluster");

        public Task<string?> ClaimPromotionAsync(string keyId, long fromEpoch, string previousPrimary, CancellationToken cancellationToken) =>
            Task.FromResult<string?>("no ControlPlane in an in-process cluster");

        public IReadOnlyList<string> OtherRegions() => regions.Where(r => r != store.Region.Region).ToList();

        // These stores never go back, so their peers' answers would change nothing; the question and its hold are
        // RelayStoreTests' and the restore and rebuild process tests'.
        public Task AskWhereSequencesStandAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public OutgoingMessage Encode(string destination, string keyId, ReplicationMessage message, string? messageId = null)
        {
            var payload = ReplicationCodec.Encode(message);
            return new OutgoingMessage(destination, keyId, payload.Descriptor.FullName, payload.ToByteArray(), messageId);
        }

        public Task SendAsync(string destination, string keyId, ReplicationMessage message, WriteDurability durability, CancellationToken cancellationToken)
        {
            var outgoing = Encode(destination, keyId, message);
            var now = store.Clock.GetUtcNow();
            return store.Relay.EnqueueAsync(destination, sequence => new OutgoingEnvelopes(store.Region.Region).Build(outgoing, sequence, now), now,
                durability, cancellationToken);
        }
    }
}
