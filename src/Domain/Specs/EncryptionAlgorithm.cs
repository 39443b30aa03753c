namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's EncryptionAlgorithm values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum EncryptionAlgorithm
{
    SYMMETRIC_DEFAULT,
    RSAES_OAEP_SHA_1,
    RSAES_OAEP_SHA_256,
}
