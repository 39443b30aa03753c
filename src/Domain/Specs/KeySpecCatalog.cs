namespace Grpc.Mrk.RegionNode.Domain.Specs;

/// <summary>The table of key specs (SPEC section 3): which usages and algorithms each one has.</summary>
public static class KeySpecCatalog
{
    private static readonly SigningAlgorithm[] RsaSigning =
    [
        SigningAlgorithm.RSASSA_PSS_SHA_256, SigningAlgorithm.RSASSA_PSS_SHA_384, SigningAlgorithm.RSASSA_PSS_SHA_512,
        SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256, SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384,
        SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512,
    ];

    private static readonly EncryptionAlgorithm[] RsaEncryption =
        [EncryptionAlgorithm.RSAES_OAEP_SHA_1, EncryptionAlgorithm.RSAES_OAEP_SHA_256];

    private static readonly Dictionary<KeySpec, KeySpecInfo> Specs = new[]
    {
        new KeySpecInfo(KeySpec.SYMMETRIC_DEFAULT, [KeyUsage.ENCRYPT_DECRYPT], [EncryptionAlgorithm.SYMMETRIC_DEFAULT], [], [], []),
        Rsa(KeySpec.RSA_2048), Rsa(KeySpec.RSA_3072), Rsa(KeySpec.RSA_4096),
        Ecc(KeySpec.ECC_NIST_P256, SigningAlgorithm.ECDSA_SHA_256),
        Ecc(KeySpec.ECC_NIST_P384, SigningAlgorithm.ECDSA_SHA_384),
        Ecc(KeySpec.ECC_NIST_P521, SigningAlgorithm.ECDSA_SHA_512),
        // AWS offers the secp256k1 curve for signing only (its key agreement is on the NIST curves).
        new KeySpecInfo(KeySpec.ECC_SECG_P256K1, [KeyUsage.SIGN_VERIFY], [], [SigningAlgorithm.ECDSA_SHA_256], [], []),
        new KeySpecInfo(KeySpec.ECC_NIST_EDWARDS25519, [KeyUsage.SIGN_VERIFY], [], [SigningAlgorithm.ED25519_SHA_512, SigningAlgorithm.ED25519_PH_SHA_512], [], []),
        Hmac(KeySpec.HMAC_224, MacAlgorithm.HMAC_SHA_224),
        Hmac(KeySpec.HMAC_256, MacAlgorithm.HMAC_SHA_256),
        Hmac(KeySpec.HMAC_384, MacAlgorithm.HMAC_SHA_384),
        Hmac(KeySpec.HMAC_512, MacAlgorithm.HMAC_SHA_512),
        MlDsa(KeySpec.ML_DSA_44), MlDsa(KeySpec.ML_DSA_65), MlDsa(KeySpec.ML_DSA_87),
    }.ToDictionary(s => s.Spec);

    public static KeySpecInfo Get(KeySpec spec) => Specs[spec];

    public static IEnumerable<KeySpecInfo> All => Specs.Values;

    /// <summary>Bytes of secret material a symmetric or HMAC key version holds (AWS: the HMAC key length equals its digest size).</summary>
    /// <summary>
    /// True for the key specs that can be created for imported material. ML-DSA keys cannot: their private keys have
    /// several encodings (seed or expanded) that would name the same key with different material IDs.
    /// </summary>
    public static bool AcceptsImportedMaterial(KeySpec spec) => spec is not (KeySpec.ML_DSA_44 or KeySpec.ML_DSA_65 or KeySpec.ML_DSA_87);

    /// <summary>The lengths AWS accepts for imported HMAC material: from the key spec's own length up to the hash's block size.</summary>
    public static (int Min, int Max) ImportedSecretLength(KeySpec spec) => spec switch
    {
        KeySpec.SYMMETRIC_DEFAULT => (32, 32),
        KeySpec.HMAC_224 => (28, 64),
        KeySpec.HMAC_256 => (32, 64),
        KeySpec.HMAC_384 => (48, 128),
        KeySpec.HMAC_512 => (64, 128),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "not a secret-key spec"),
    };

    public static int SecretLength(KeySpec spec) => spec switch
    {
        KeySpec.SYMMETRIC_DEFAULT => 32,
        KeySpec.HMAC_224 => 28,
        KeySpec.HMAC_256 => 32,
        KeySpec.HMAC_384 => 48,
        KeySpec.HMAC_512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "not a secret-key spec"),
    };

    private static KeySpecInfo Rsa(KeySpec spec) =>
        new(spec, [KeyUsage.ENCRYPT_DECRYPT, KeyUsage.SIGN_VERIFY], RsaEncryption, RsaSigning, [], []);

    private static KeySpecInfo Ecc(KeySpec spec, SigningAlgorithm signing) =>
        new(spec, [KeyUsage.SIGN_VERIFY, KeyUsage.KEY_AGREEMENT], [], [signing], [], [KeyAgreementAlgorithm.ECDH]);

    private static KeySpecInfo Hmac(KeySpec spec, MacAlgorithm mac) =>
        new(spec, [KeyUsage.GENERATE_VERIFY_MAC], [], [], [mac], []);

    private static KeySpecInfo MlDsa(KeySpec spec) =>
        new(spec, [KeyUsage.SIGN_VERIFY], [], [SigningAlgorithm.ML_DSA_SHAKE_256], [], []);
}
