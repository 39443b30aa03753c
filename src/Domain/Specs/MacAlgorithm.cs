namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's MacAlgorithm values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum MacAlgorithm
{
    HMAC_SHA_224,
    HMAC_SHA_256,
    HMAC_SHA_384,
    HMAC_SHA_512,
}
