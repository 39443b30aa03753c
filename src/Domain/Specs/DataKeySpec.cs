namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's DataKeySpec values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum DataKeySpec
{
    AES_256,
    AES_128,
}
