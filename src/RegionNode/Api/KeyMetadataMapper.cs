using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.V1;
using KeyState = Grpc.Mrk.RegionNode.Domain.Specs.KeyState;
using KeyUsage = Grpc.Mrk.RegionNode.Domain.Specs.KeyUsage;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>Builds the wire KeyMetadata from a domain key, as DescribeKey and CreateKey return it.</summary>
internal static class KeyMetadataMapper
{
    public static KeyMetadata ToMetadata(KmsKey key, RegionIdentity region)
    {
        var info = key.SpecInfo;
        var metadata = new KeyMetadata
        {
            AwsAccountId = region.AccountId,
            KeyId = key.KeyId,
            Arn = key.Arn,
            CreationDate = Timestamp.FromDateTimeOffset(key.CreationDate),
            Enabled = key.State == KeyState.Enabled,
            Description = key.Description,
            KeyUsage = ProtoEnums.ToProto<KeyUsage, KeyUsageType>(key.KeyUsage),
            KeyState = ProtoEnums.ToProto<KeyState, V1.KeyState>(key.State),
            Origin = ProtoEnums.ToProto<KeyOrigin, OriginType>(key.Origin),
            KeyManager = KeyManagerType.Customer,
            KeySpec = ProtoEnums.ToProto<Domain.Specs.KeySpec, V1.KeySpec>(key.KeySpec),
            MultiRegion = key.IsMultiRegion,
        };
        metadata.EncryptionAlgorithms.AddRange(info.EncryptionAlgorithmsFor(key.KeyUsage).Select(ProtoEnums.ToProto<EncryptionAlgorithm, EncryptionAlgorithmSpec>));
        metadata.SigningAlgorithms.AddRange(info.SigningAlgorithmsFor(key.KeyUsage).Select(ProtoEnums.ToProto<SigningAlgorithm, SigningAlgorithmSpec>));
        metadata.MacAlgorithms.AddRange(info.MacAlgorithmsFor(key.KeyUsage).Select(ProtoEnums.ToProto<MacAlgorithm, MacAlgorithmSpec>));
        metadata.KeyAgreementAlgorithms.AddRange(info.KeyAgreementAlgorithmsFor(key.KeyUsage)
            .Select(ProtoEnums.ToProto<KeyAgreementAlgorithm, KeyAgreementAlgorithmSpec>));
        if (key.DeletionDate is { } deletion)
        {
            metadata.DeletionDate = Timestamp.FromDateTimeOffset(deletion);
        }

        if (key.State == KeyState.PendingReplicaDeletion && key.PendingWindowInDays is { } window)
        {
            metadata.PendingDeletionWindowInDays = window;
        }

        var current = key.Materials.LastOrDefault(m => m.State == Domain.Specs.KeyMaterialState.CURRENT);
        if (key.KeySpec == Domain.Specs.KeySpec.SYMMETRIC_DEFAULT && current is not null)
        {
            metadata.CurrentKeyMaterialId = current.MaterialId;
        }

        // Imported keys show the expiry of the material they currently hold (none while pending import).
        if (current is { IsHeld: true, Import.ExpirationModel: { } model })
        {
            metadata.ExpirationModel = ProtoEnums.ToProto<Domain.Specs.ExpirationModel, ExpirationModelType>(model);
            metadata.ValidTo = ToTimestamp(current.Import.ValidTo);
        }

        if (key.MultiRegion is { } mr)
        {
            metadata.MultiRegionConfiguration = new MultiRegionConfiguration
            {
                MultiRegionKeyType = mr.PrimaryRegion == key.Region ? V1.MultiRegionKeyType.Primary : V1.MultiRegionKeyType.Replica,
                PrimaryKey = new MultiRegionKey { Arn = region.KeyArnIn(mr.PrimaryRegion, key.KeyId), Region = mr.PrimaryRegion },
            };
            metadata.MultiRegionConfiguration.ReplicaKeys.AddRange(mr.ReplicaRegions.Select(r =>
                new MultiRegionKey { Arn = region.KeyArnIn(r, key.KeyId), Region = r }));
        }

        return metadata;
    }

    /// <summary>ListKeyRotations' import fields, present only for keys with imported material.</summary>
    public static RotationsListEntry WithImport(this RotationsListEntry entry, KmsKey key, KeyMaterialVersion version)
    {
        if (key.Origin != KeyOrigin.EXTERNAL)
        {
            return entry;
        }

        entry.ImportState = version.IsHeld ? ImportState.Imported : ImportState.PendingImport;
        entry.KeyMaterialDescription = version.Import?.Description ?? string.Empty;
        if (version.IsHeld && version.Import?.ExpirationModel is { } model)
        {
            entry.ExpirationModel = ProtoEnums.ToProto<Domain.Specs.ExpirationModel, ExpirationModelType>(model);
            entry.ValidTo = ToTimestamp(version.Import.ValidTo);
        }

        return entry;
    }

    public static Timestamp? ToTimestamp(DateTimeOffset? value) => value is { } v ? Timestamp.FromDateTimeOffset(v) : null;
}
