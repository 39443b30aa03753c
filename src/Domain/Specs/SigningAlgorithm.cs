namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>AWS KMS's SigningAlgorithm values, spelled exactly as AWS spells them (they appear in messages, storage and policies).</summary>
public enum SigningAlgorithm
{
    RSASSA_PSS_SHA_256,
    RSASSA_PSS_SHA_384,
    RSASSA_PSS_SHA_512,
    RSASSA_PKCS1_V1_5_SHA_256,
    RSASSA_PKCS1_V1_5_SHA_384,
    RSASSA_PKCS1_V1_5_SHA_512,
    ECDSA_SHA_256,
    ECDSA_SHA_384,
    ECDSA_SHA_512,
    ED25519_SHA_512,
    ML_DSA_SHAKE_256,
    ED25519_PH_SHA_512,
}
