using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Material that travels with the message announcing it (a new replica's versions, a rotation's new version), so a
/// replica needs no request and no transfer. As a batch leaves, the material its messages owe is read from the keys
/// and sealed under one agreement with a one-time prekey the destination published; as a batch arrives, one agreement
/// with that prekey opens all of it, and the prekey and the batch key are forgotten once the batch is applied. Both
/// Regions keep their prekeys topped up: a Region sends new ones to a Region that used some, its whole set on start to every
/// Region (asking for theirs), and new ones, as many as asked within its bound, to a Region that asks ahead of running
/// out (<see cref="PrekeyDemand"/>). Whatever cannot be sealed or opened leaves or arrives without material, and the
/// replica asks for it the older way.
/// </summary>
public sealed class KeyDeliveries(
    OwnPrekeys own,
    PeerPrekeys peers,
    PrekeyDemand demand,
    IKeyStore keys,
    IMaterialProtector protector,
    Outbox outbox,
    ReplicationIdentity identity,
    ILogger<KeyDeliveries> logger,
    Telemetry.NodeMetrics? metrics = null) : IDeliverySealer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeliverySession?> _opened = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public async Task<IBatchSeal?> BeginAsync(string destination, CancellationToken cancellationToken)
    {
        var prekey = peers.Take(destination);
        if (prekey is not null)
        {
            demand.Used(destination);
        }

        // Running low: a burst is using them faster than top-ups come back, or the destination restarted, or its set
        // expired while idle.
        if (demand.Ask(destination, peers.Count(destination)) is { } wanted)
        {
            await PublishAsync(destination, new TransportPrekeys { SendYours = true, Wanted = (uint)wanted }, [], cancellationToken).ConfigureAwait(false);
        }

        if (prekey is null)
        {
            return null;
        }

        return new BatchSeal(this, DeliverySealing.Seal(prekey.PublicKey, new DeliveryContext(prekey.Id, identity.Region, destination)));
    }

    /// <summary>True while some Region's prekeys here would run out before more could come back at the rate they are used.</summary>
    public bool Scarce() => demand.AnyScarce(peers.Count);

    /// <summary>
    /// The material a verified message from another Region carries, opened; null when it carries none, or it cannot
    /// be opened here (a prekey this Region no longer holds: it restarted, or the prekey expired or was used before).
    /// The caller zeroes what it gets.
    /// </summary>
    public IReadOnlyList<(string MaterialId, byte[] Material)>? Open(Envelope message)
    {
        if (message.Delivery is not { } delivery)
        {
            return null;
        }

        var session = SessionFor(message.SourceRegion, delivery);
        if (session is null)
        {
            Log.DeliveryNotOpened(logger, LogText.Safe(message.MessageId), message.SourceRegion, "no such prekey here (used, expired, or published before a restart)");
            metrics?.KeyTransport("not_opened", delivery.Materials.Count);
            return null;
        }

        try
        {
            var opened = session.Open(message.KeyId, message.MessageId,
                delivery.Materials.Select(m => new TransportedMaterial(m.MaterialId, m.Nonce.ToByteArray(), m.Ciphertext.ToByteArray())).ToList());
            metrics?.KeyTransport("opened", opened.Count);
            return opened;
        }
        catch (CryptographicException)
        {
            Log.DeliveryNotOpened(logger, LogText.Safe(message.MessageId), message.SourceRegion, "it does not open with its batch's key");
            metrics?.KeyTransport("not_opened", delivery.Materials.Count);
            return null;
        }
    }

    /// <summary>
    /// After every envelope that arrived: forgets the batch keys it opened, and publishes a new set of prekeys to each
    /// Region that used one.
    /// </summary>
    public async Task EndOfEnvelopeAsync(CancellationToken cancellationToken)
    {
        List<string> usedBy;
        lock (_gate)
        {
            foreach (var session in _opened.Values)
            {
                session?.Dispose();
            }

            _opened.Clear();
            usedBy = [.. _used];
            _used.Clear();
        }

        foreach (var peer in usedBy)
        {
            await PublishAsync(peer, new TransportPrekeys(), own.Replenish(peer), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the prekeys <paramref name="source"/> published for this Region (the valid ones), and answers if asked:
    /// with this Region's whole set for <paramref name="source"/> when it asks with its own whole set (it started), with
    /// new ones only when it asks ahead of running out.
    /// </summary>
    public async Task ReceivePrekeysAsync(string source, TransportPrekeys message, CancellationToken cancellationToken)
    {
        var valid = message.Prekeys
            .Where(p => p.Id.Length == 32 && p.Id.All(char.IsAsciiHexDigitLower) && p.ExpiresAt is not null && DeliverySealing.IsPrekey(p.PublicKey.Span))
            .Take(PeerPrekeys.MaxPerPeer)
            .Select(p => new OwnPrekeys.Published(p.Id, p.PublicKey.ToByteArray(), p.ExpiresAt.ToDateTimeOffset()))
            .ToList();
        if (valid.Count < message.Prekeys.Count)
        {
            Log.PrekeysRefused(logger, source, message.Prekeys.Count - valid.Count);
        }

        if (message.Complete)
        {
            peers.Replace(source, valid);
        }
        else
        {
            peers.Add(source, valid);
        }

        if (message.SendYours && !message.Complete)
        {
            // Asked ahead of running out: new ones only, as many as asked within the bound.
            var wanted = (int)Math.Min(message.Wanted, OwnPrekeys.MaxPerPeer);
            await PublishAsync(source, new TransportPrekeys(), own.Grow(source, wanted), cancellationToken).ConfigureAwait(false);
            return;
        }

        demand.Answered(source);
        if (message.SendYours)
        {
            await PublishAsync(source, sendYours: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>On start: every other Region gets this Region's prekeys, and is asked for its own.</summary>
    public async Task PublishToAllAsync(CancellationToken cancellationToken)
    {
        foreach (var peer in identity.PeerRegions())
        {
            await PublishAsync(peer, sendYours: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every live prekey of this Region's for <paramref name="peer"/>, as the complete list it replaces.</summary>
    private Task<string> PublishAsync(string peer, bool sendYours, CancellationToken cancellationToken) =>
        PublishAsync(peer, new TransportPrekeys { SendYours = sendYours, Complete = true }, own.TopUp(peer), cancellationToken);

    private Task<string> PublishAsync(string peer, TransportPrekeys message, IReadOnlyList<OwnPrekeys.Published> prekeys, CancellationToken cancellationToken)
    {
        message.Prekeys.AddRange(prekeys.Select(p => new TransportPrekey
        {
            Id = p.Id, PublicKey = ByteString.CopyFrom(p.PublicKey), ExpiresAt = Timestamp.FromDateTimeOffset(p.ExpiresAt),
        }));
        return outbox.SendAsync(peer, string.Empty, message, WriteDurability.WithNextFlush, cancellationToken);
    }

    /// <summary>The batch key for a prekey and sender key: agreed once per batch (the prekey is taken then), null when it cannot be.</summary>
    private DeliverySession? SessionFor(string source, KeyDelivery delivery)
    {
        var name = $"{source}\0{delivery.PrekeyId}\0{Convert.ToHexString(delivery.SenderPublicKey.Span)}";
        lock (_gate)
        {
            if (_opened.TryGetValue(name, out var known))
            {
                return known;
            }

            DeliverySession? session = null;
            if (own.Take(source, delivery.PrekeyId) is var (publicKey, privateKey))
            {
                _used.Add(source);
                try
                {
                    session = DeliverySealing.Open(privateKey, publicKey, delivery.SenderPublicKey.Span,
                        new DeliveryContext(delivery.PrekeyId, source, identity.Region));
                }
                catch (CryptographicException)
                {
                    session = null;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(privateKey);
                }
            }

            _opened[name] = session;
            return session;
        }
    }

    /// <summary>The versions <paramref name="deliver"/> of <paramref name="keyId"/>, read from the key and sealed for one message of the batch.</summary>
    private async Task<KeyDelivery?> SealAsync(DeliverySession session, string keyId, string messageId, IReadOnlyList<string> deliver,
        CancellationToken cancellationToken)
    {
        var key = await keys.FindKeyAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (key is null || key.Origin == Domain.Specs.KeyOrigin.EXTERNAL)
        {
            return null;
        }

        var plain = new List<(string MaterialId, byte[] Material)>();
        try
        {
            foreach (var id in deliver)
            {
                if (key.FindMaterial(id)?.WrappedMaterial is { } wrapped)
                {
                    plain.Add((id, protector.Unwrap(wrapped, keyId, id)));
                }
            }

            if (plain.Count == 0)
            {
                return null;
            }

            var delivery = new KeyDelivery { PrekeyId = session.Context.PrekeyId, SenderPublicKey = ByteString.CopyFrom(session.SenderPublicKey) };
            delivery.Materials.AddRange(session.Seal(keyId, messageId, plain).Select(m => new SealedMaterial
            {
                MaterialId = m.MaterialId, Nonce = ByteString.CopyFrom(m.Nonce), Ciphertext = ByteString.CopyFrom(m.Ciphertext),
            }));
            metrics?.KeyTransport("sealed", plain.Count);
            return delivery;
        }
        finally
        {
            foreach (var (_, material) in plain)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    }

    private sealed class BatchSeal(KeyDeliveries owner, DeliverySession session) : IBatchSeal
    {
        public Task<KeyDelivery?> SealAsync(string keyId, string messageId, IReadOnlyList<string> deliver, CancellationToken cancellationToken) =>
            owner.SealAsync(session, keyId, messageId, deliver, cancellationToken);

        public void Dispose() => session.Dispose();
    }
}
