namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's MultiRegionKeyType values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum MultiRegionKeyType
{
    PRIMARY,
    REPLICA,
}
