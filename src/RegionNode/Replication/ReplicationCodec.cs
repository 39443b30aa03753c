using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using DomainMaterialInfo = Grpc.Mrk.RegionNode.Domain.Model.MaterialInfo;
using DomainSharedState = Grpc.Mrk.RegionNode.Domain.Model.SharedState;
using WireMaterialInfo = Grpc.Mrk.Internal.V1.MaterialInfo;
using WireSharedState = Grpc.Mrk.Internal.V1.SharedState;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Translates the cross-Region protocol's domain messages to and from their protobuf payloads.</summary>
public static class ReplicationCodec
{
    /// <summary>Every payload kind the protocol uses, by its protobuf full name.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        CreateReplica.Descriptor.FullName, WireSharedState.Descriptor.FullName, KeyRequest.Descriptor.FullName,
        KeyTransfer.Descriptor.FullName, SyncAck.Descriptor.FullName, Promote.Descriptor.FullName,
        PromoteRefused.Descriptor.FullName, ReplicaDeleted.Descriptor.FullName, Rejoin.Descriptor.FullName, ReplicaView.Descriptor.FullName, ReplicaMissing.Descriptor.FullName,
    ];

    public static IMessage Encode(ReplicationMessage message) => message switch
    {
        CreateReplicaMessage m => new CreateReplica
        {
            State = Encode(m.State),
            Description = m.Creation.Description,
            Policy = m.Creation.Policy,
            Tags = { m.Creation.Tags.Select(t => new ReplicaTag { TagKey = t.TagKey, TagValue = t.TagValue }) },
        },
        SharedStateMessage m => Encode(m.State),
        KeyRequestMessage m => new KeyRequest { PublicKey = ByteString.CopyFrom(m.PublicKey) },
        KeyTransferMessage m => new KeyTransfer
        {
            RequestMessageId = m.RequestMessageId,
            SourcePublicKey = ByteString.CopyFrom(m.SourcePublicKey),
            Epoch = m.Epoch,
            SyncVersion = m.SyncVersion,
            Materials =
            {
                m.Materials.Select(w => new WrappedMaterial
                {
                    Info = Encode(m.Infos.First(i => i.MaterialId == w.MaterialId)),
                    Nonce = ByteString.CopyFrom(w.Nonce),
                    Ciphertext = ByteString.CopyFrom(w.Ciphertext),
                }),
            },
        },
        SyncAckMessage m => new SyncAck { Epoch = m.Epoch, SyncVersion = m.SyncVersion, MaterialIds = { m.MaterialIds }, KeyState = m.KeyState.ToString() },
        PromoteMessage m => new Promote { State = Encode(m.State) },
        PromoteRefusedMessage m => new PromoteRefused { Epoch = m.Epoch, Reason = m.Reason, Decline = m.Decline is { } d ? Encode(d) : null },
        ReplicaDeletedMessage m => new ReplicaDeleted { Epoch = m.Epoch, SyncVersion = m.SyncVersion },
        RejoinMessage m => new Rejoin { Reason = m.Reason, BackupId = m.BackupId, RestoredTo = Stamp(m.RestoredTo) },
        ReplicaViewMessage m => new ReplicaView { State = Encode(m.State), KeyState = m.KeyState.ToString() },
        ReplicaMissingMessage => new ReplicaMissing(),
        _ => throw new ArgumentException($"no wire form for {message.GetType().Name}", nameof(message)),
    };

    /// <summary>The domain message of a payload; throws <see cref="FormatException"/> or <see cref="InvalidProtocolBufferException"/> if malformed.</summary>
    public static ReplicationMessage Decode(string kind, ByteString payload, string messageId)
    {
        if (kind == CreateReplica.Descriptor.FullName)
        {
            var m = CreateReplica.Parser.ParseFrom(payload);
            return new CreateReplicaMessage(Decode(m.State ?? throw new FormatException("CreateReplica without state")),
                new ReplicaCreation(m.Description, m.Policy, m.Tags.Select(t => new Tag(t.TagKey, t.TagValue)).ToList()));
        }

        if (kind == WireSharedState.Descriptor.FullName)
        {
            return new SharedStateMessage(Decode(WireSharedState.Parser.ParseFrom(payload)));
        }

        if (kind == KeyRequest.Descriptor.FullName)
        {
            return new KeyRequestMessage(KeyRequest.Parser.ParseFrom(payload).PublicKey.ToByteArray()) { RequestMessageId = messageId };
        }

        if (kind == KeyTransfer.Descriptor.FullName)
        {
            var m = KeyTransfer.Parser.ParseFrom(payload);
            var infos = m.Materials.Select(w => Decode(w.Info ?? throw new FormatException("material without info"))).ToList();
            var wrapped = m.Materials.Select(w => new TransportedMaterial(w.Info.MaterialId, w.Nonce.ToByteArray(), w.Ciphertext.ToByteArray())).ToList();
            return new KeyTransferMessage(m.RequestMessageId, m.SourcePublicKey.ToByteArray(), m.Epoch, m.SyncVersion, infos, wrapped);
        }

        if (kind == SyncAck.Descriptor.FullName)
        {
            var m = SyncAck.Parser.ParseFrom(payload);
            return new SyncAckMessage(m.Epoch, m.SyncVersion, m.MaterialIds.ToList(), Parse<KeyState>(m.KeyState));
        }

        if (kind == Promote.Descriptor.FullName)
        {
            return new PromoteMessage(Decode(Promote.Parser.ParseFrom(payload).State ?? throw new FormatException("Promote without state")));
        }

        if (kind == PromoteRefused.Descriptor.FullName)
        {
            var m = PromoteRefused.Parser.ParseFrom(payload);
            return new PromoteRefusedMessage(m.Epoch, m.Reason, m.Decline is { } d ? Decode(d) : null);
        }

        if (kind == ReplicaDeleted.Descriptor.FullName)
        {
            var m = ReplicaDeleted.Parser.ParseFrom(payload);
            return new ReplicaDeletedMessage(m.Epoch, m.SyncVersion);
        }

        if (kind == Rejoin.Descriptor.FullName)
        {
            var m = Rejoin.Parser.ParseFrom(payload);
            if (m.Reason is not (RejoinMessage.Restore or RejoinMessage.Rebuild))
            {
                throw new FormatException($"Rejoin for an unknown reason '{m.Reason}'");
            }

            return new RejoinMessage(m.Reason, m.BackupId, m.RestoredTo?.ToDateTimeOffset());
        }

        if (kind == ReplicaMissing.Descriptor.FullName)
        {
            _ = ReplicaMissing.Parser.ParseFrom(payload);
            return new ReplicaMissingMessage();
        }

        if (kind == ReplicaView.Descriptor.FullName)
        {
            var m = ReplicaView.Parser.ParseFrom(payload);
            return new ReplicaViewMessage(Decode(m.State ?? throw new FormatException("ReplicaView without state")), Parse<KeyState>(m.KeyState));
        }

        throw new FormatException($"unknown replication message kind {kind}");
    }

    private static WireSharedState Encode(DomainSharedState s)
    {
        var wire = new WireSharedState
        {
            Epoch = s.Epoch,
            SyncVersion = s.SyncVersion,
            PrimaryRegion = s.PrimaryRegion,
            ReplicaRegions = { s.ReplicaRegions },
            KeySpec = s.KeySpec.ToString(),
            KeyUsage = s.KeyUsage.ToString(),
            Origin = s.Origin.ToString(),
            RotationEnabled = s.RotationEnabled,
            RotationPeriodInDays = s.RotationPeriodInDays ?? 0,
            NextRotationDate = Stamp(s.NextRotationDate),
            OnDemandRotationStartDate = Stamp(s.OnDemandRotationStartDate),
        };
        wire.Materials.AddRange(s.Materials.Select(Encode));
        wire.HandOffs.AddRange(s.HandOffs.Select(Encode));
        return wire;
    }

    private static Internal.V1.HandOff Encode(Domain.Model.HandOff h) => new()
    {
        Epoch = h.Epoch, PreviousPrimary = h.PreviousPrimary, NewPrimary = h.NewPrimary, Signature = ByteString.CopyFrom(h.Signature),
        RequestedBy = h.RequestedBy,
        BreakGlass = h.BreakGlass is { } order
            ? new Internal.V1.BreakGlassOrder
            {
                Reason = order.Reason, IssuedAt = Timestamp.FromDateTimeOffset(order.IssuedAt),
                OperatorCertificate = ByteString.CopyFrom(order.OperatorCertificate), OperatorSignature = ByteString.CopyFrom(order.OperatorSignature),
            }
            : null,
    };

    private static Domain.Model.HandOff Decode(Internal.V1.HandOff h) =>
        h.Epoch <= 1 || h.PreviousPrimary.Length == 0 || h.NewPrimary.Length == 0 || h.Signature.IsEmpty || h.Signature.Length > 512
            ? throw new FormatException("a hand-off without epoch, Regions or signature")
            : new Domain.Model.HandOff(h.Epoch, h.PreviousPrimary, h.NewPrimary, h.Signature.ToByteArray(), h.RequestedBy)
            {
                BreakGlass = h.BreakGlass is not { } order ? null
                    : order.IssuedAt is null || order.OperatorCertificate.IsEmpty || order.OperatorCertificate.Length > 16384 || order.OperatorSignature.IsEmpty
                      || order.OperatorSignature.Length > 512
                        ? throw new FormatException("a break-glass order without its time, operator certificate or signature")
                        : new Domain.Model.BreakGlassOrder(order.Reason, order.IssuedAt.ToDateTimeOffset(), order.OperatorCertificate.ToByteArray(),
                            order.OperatorSignature.ToByteArray()),
            };

    private static DomainSharedState Decode(WireSharedState w)
    {
        if (w.Epoch <= 0 || w.SyncVersion <= 0 || w.PrimaryRegion.Length == 0)
        {
            throw new FormatException("shared state without epoch, sync version or primary");
        }

        return new DomainSharedState(w.Epoch, w.SyncVersion, w.PrimaryRegion, w.ReplicaRegions.ToList(), Parse<KeySpec>(w.KeySpec),
            Parse<KeyUsage>(w.KeyUsage), Parse<KeyOrigin>(w.Origin), w.RotationEnabled, w.RotationPeriodInDays == 0 ? null : w.RotationPeriodInDays,
            w.NextRotationDate?.ToDateTimeOffset(), w.OnDemandRotationStartDate?.ToDateTimeOffset(), w.Materials.Select(Decode).ToList())
        {
            HandOffs = w.HandOffs.Count > HandOffChain.Kept
                ? throw new FormatException($"more than {HandOffChain.Kept} hand-offs")
                : w.HandOffs.Select(Decode).ToList(),
        };
    }

    private static WireMaterialInfo Encode(DomainMaterialInfo m) => new()
    {
        MaterialId = m.MaterialId,
        Ordinal = m.Ordinal,
        CreatedAt = Timestamp.FromDateTimeOffset(m.CreatedAt),
        RotationType = m.RotationType?.ToString() ?? string.Empty,
        State = m.State.ToString(),
    };

    private static DomainMaterialInfo Decode(WireMaterialInfo m) => new(m.MaterialId, m.Ordinal,
        (m.CreatedAt ?? throw new FormatException("material without creation time")).ToDateTimeOffset(),
        m.RotationType.Length == 0 ? null : Parse<RotationType>(m.RotationType), Parse<KeyMaterialState>(m.State));

    private static Timestamp? Stamp(DateTimeOffset? value) => value is { } v ? Timestamp.FromDateTimeOffset(v) : null;

    private static T Parse<T>(string value) where T : struct, System.Enum =>
        System.Enum.GetNames<T>().Contains(value, StringComparer.Ordinal) ? System.Enum.Parse<T>(value) : throw new FormatException($"'{value}' is not a {typeof(T).Name}");
}
