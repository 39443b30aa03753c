using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Quotas;

/// <summary>
/// AWS KMS's request quotas and their default rates (AWS KMS Developer Guide, "Request quotas"; docs/operations.md
/// lists them with the few this product had to choose). Each applies per Region to the calling account.
/// </summary>
public static class RequestQuotaCatalog
{
    /// <summary>Shared by Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext), GenerateMac, VerifyMac and GenerateRandom on symmetric and HMAC keys.</summary>
    public static readonly RequestQuota Symmetric = new("Cryptographic operations (symmetric) request rate", "Symmetric", 10_000);

    /// <summary>Shared by Encrypt, Decrypt, ReEncrypt, Sign and Verify on RSA keys.</summary>
    public static readonly RequestQuota Rsa = new("Cryptographic operations (RSA) request rate", "Rsa", 500);

    /// <summary>Shared by Sign, Verify and DeriveSharedSecret on elliptic-curve keys (and here on ML-DSA keys, for which AWS's table has no row of its own).</summary>
    public static readonly RequestQuota Ecc = new("Cryptographic operations (ECC) request rate", "Ecc", 300);

    /// <summary>The quotas of single operations, by operation name.</summary>
    public static readonly IReadOnlyDictionary<string, RequestQuota> Operations = new Dictionary<string, RequestQuota>(StringComparer.Ordinal)
    {
        ["CancelKeyDeletion"] = Operation("CancelKeyDeletion", 5),
        ["CreateAlias"] = Operation("CreateAlias", 5),
        ["CreateGrant"] = Operation("CreateGrant", 50),
        ["CreateKey"] = Operation("CreateKey", 5),
        ["DeleteAlias"] = Operation("DeleteAlias", 15),
        ["DeleteImportedKeyMaterial"] = Operation("DeleteImportedKeyMaterial", 5),
        ["DescribeKey"] = Operation("DescribeKey", 2_000),
        ["DisableKey"] = Operation("DisableKey", 5),
        ["DisableKeyRotation"] = Operation("DisableKeyRotation", 5),
        ["EnableKey"] = Operation("EnableKey", 5),
        ["EnableKeyRotation"] = Operation("EnableKeyRotation", 15),
        ["GetKeyPolicy"] = Operation("GetKeyPolicy", 1_000),
        ["GetKeyRotationStatus"] = Operation("GetKeyRotationStatus", 1_000),
        ["GetParametersForImport"] = Operation("GetParametersForImport", 0.25),
        ["GetPublicKey"] = Operation("GetPublicKey", 2_000),
        ["ImportKeyMaterial"] = Operation("ImportKeyMaterial", 5),
        ["ListAliases"] = Operation("ListAliases", 500),
        ["ListGrants"] = Operation("ListGrants", 100),
        ["ListKeyPolicies"] = Operation("ListKeyPolicies", 100),
        ["ListKeys"] = Operation("ListKeys", 500),
        ["ListResourceTags"] = Operation("ListResourceTags", 2_000),
        ["ListRetirableGrants"] = Operation("ListRetirableGrants", 100),
        ["PutKeyPolicy"] = Operation("PutKeyPolicy", 15),
        ["ReplicateKey"] = Operation("ReplicateKey", 5),
        ["RetireGrant"] = Operation("RetireGrant", 30),
        ["RevokeGrant"] = Operation("RevokeGrant", 30),
        ["ScheduleKeyDeletion"] = Operation("ScheduleKeyDeletion", 15),
        ["TagResource"] = Operation("TagResource", 10),
        ["UntagResource"] = Operation("UntagResource", 5),
        ["UpdateAlias"] = Operation("UpdateAlias", 5),
        ["UpdateKeyDescription"] = Operation("UpdateKeyDescription", 5),
        ["UpdatePrimaryRegion"] = Operation("UpdatePrimaryRegion", 5),

        // Newer operations without a row in the table this catalogue follows: the rate of their nearest sibling.
        ["RotateKeyOnDemand"] = Operation("RotateKeyOnDemand", 5),
        ["ListKeyRotations"] = Operation("ListKeyRotations", 100),
    };

    /// <summary>GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext share one quota per pair spec.</summary>
    public static readonly IReadOnlyDictionary<DataKeyPairSpec, RequestQuota> DataKeyPairs = new Dictionary<DataKeyPairSpec, RequestQuota>
    {
        [DataKeyPairSpec.RSA_2048] = DataKeyPair(DataKeyPairSpec.RSA_2048, 1),
        [DataKeyPairSpec.RSA_3072] = DataKeyPair(DataKeyPairSpec.RSA_3072, 0.5),
        [DataKeyPairSpec.RSA_4096] = DataKeyPair(DataKeyPairSpec.RSA_4096, 0.1),
        [DataKeyPairSpec.ECC_NIST_P256] = DataKeyPair(DataKeyPairSpec.ECC_NIST_P256, 25),
        [DataKeyPairSpec.ECC_NIST_P384] = DataKeyPair(DataKeyPairSpec.ECC_NIST_P384, 10),
        [DataKeyPairSpec.ECC_NIST_P521] = DataKeyPair(DataKeyPairSpec.ECC_NIST_P521, 5),
        [DataKeyPairSpec.ECC_SECG_P256K1] = DataKeyPair(DataKeyPairSpec.ECC_SECG_P256K1, 25),

        // Not in the table this catalogue follows: the rate of the other 256-bit curves.
        [DataKeyPairSpec.ECC_NIST_EDWARDS25519] = DataKeyPair(DataKeyPairSpec.ECC_NIST_EDWARDS25519, 25),
    };

    /// <summary>Every quota, each once.</summary>
    public static IEnumerable<RequestQuota> All => [Symmetric, Rsa, Ecc, .. Operations.Values, .. DataKeyPairs.Values];

    /// <summary>The shared cryptographic quota a key of <paramref name="spec"/> draws on.</summary>
    public static RequestQuota CryptographicFor(KeySpec spec) => spec switch
    {
        KeySpec.RSA_2048 or KeySpec.RSA_3072 or KeySpec.RSA_4096 => Rsa,
        KeySpec.ECC_NIST_P256 or KeySpec.ECC_NIST_P384 or KeySpec.ECC_NIST_P521 or KeySpec.ECC_SECG_P256K1 or KeySpec.ECC_NIST_EDWARDS25519
            or KeySpec.ML_DSA_44 or KeySpec.ML_DSA_65 or KeySpec.ML_DSA_87 => Ecc,
        _ => Symmetric,
    };

    private static RequestQuota Operation(string name, double perSecond) => new($"{name} request rate", name, perSecond);

    private static RequestQuota DataKeyPair(DataKeyPairSpec spec, double perSecond) =>
        new($"GenerateDataKeyPair ({spec}) request rate", $"GenerateDataKeyPair_{spec}", perSecond);
}
