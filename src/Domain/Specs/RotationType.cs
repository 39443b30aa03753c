namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's RotationType values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum RotationType
{
    AUTOMATIC,
    ON_DEMAND,
}
