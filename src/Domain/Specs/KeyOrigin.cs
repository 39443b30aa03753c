namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's KeyOrigin values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum KeyOrigin
{
    AWS_KMS,
    EXTERNAL,
}
