namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's KeyMaterialState values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum KeyMaterialState
{
    CURRENT,
    NON_CURRENT,
    PENDING_ROTATION,
    PENDING_MULTI_REGION_IMPORT_AND_ROTATION,
}
