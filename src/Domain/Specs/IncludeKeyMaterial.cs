namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's IncludeKeyMaterial values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum IncludeKeyMaterial
{
    ALL_KEY_MATERIAL,
    ROTATIONS_ONLY,
}
