namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's MessageType values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum MessageType
{
    RAW,
    DIGEST,
    EXTERNAL_MU,
}
