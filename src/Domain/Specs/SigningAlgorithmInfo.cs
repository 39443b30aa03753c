namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>The digest each signing algorithm hashes a RAW message with, which also fixes a DIGEST message's length.</summary>
public static class SigningAlgorithmInfo
{
    /// <summary>Length of the digest a DIGEST message must have, or null when the algorithm signs only RAW messages.</summary>
    public static int? DigestLength(SigningAlgorithm algorithm) => algorithm switch
    {
        SigningAlgorithm.RSASSA_PSS_SHA_256 or SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256 or SigningAlgorithm.ECDSA_SHA_256 => 32,
        SigningAlgorithm.RSASSA_PSS_SHA_384 or SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384 or SigningAlgorithm.ECDSA_SHA_384 => 48,
        SigningAlgorithm.RSASSA_PSS_SHA_512 or SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512 or SigningAlgorithm.ECDSA_SHA_512
            or SigningAlgorithm.ED25519_PH_SHA_512 => 64,
        _ => null,
    };

    public static int MacLength(MacAlgorithm algorithm) => algorithm switch
    {
        MacAlgorithm.HMAC_SHA_224 => 28,
        MacAlgorithm.HMAC_SHA_256 => 32,
        MacAlgorithm.HMAC_SHA_384 => 48,
        _ => 64,
    };
}
