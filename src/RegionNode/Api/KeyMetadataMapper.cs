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

        if (key.KeySpec == Domain.Specs.KeySpec.SYMMETRIC_DEFAULT && key.Materials.Count > 0)
        {
            metadata.CurrentKeyMaterialId = key.CurrentMaterial.MaterialId;
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

    public static Timestamp? ToTimestamp(DateTimeOffset? value) => value is { } v ? Timestamp.FromDateTimeOffset(v) : null;
}
