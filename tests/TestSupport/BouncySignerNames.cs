namespace Grpc.Mrk.TestSupport;

/// <summary>BouncyCastle's signer name for an AWS signing algorithm, for verifying signatures independently.</summary>
public static class BouncySignerNames
{
    /// <summary>Accepts the AWS constant in any casing, with or without underscores (RSASSA_PSS_SHA_256, RsassaPssSha256).</summary>
    public static string For(string awsAlgorithm) => awsAlgorithm.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant() switch
    {
        "RSASSAPSSSHA256" => "SHA-256withRSAandMGF1",
        "RSASSAPSSSHA384" => "SHA-384withRSAandMGF1",
        "RSASSAPSSSHA512" => "SHA-512withRSAandMGF1",
        "RSASSAPKCS1V15SHA256" => "SHA-256withRSA",
        "RSASSAPKCS1V15SHA384" => "SHA-384withRSA",
        "RSASSAPKCS1V15SHA512" => "SHA-512withRSA",
        "ECDSASHA256" => "SHA-256withECDSA",
        "ECDSASHA384" => "SHA-384withECDSA",
        "ECDSASHA512" => "SHA-512withECDSA",
        _ => throw new ArgumentOutOfRangeException(nameof(awsAlgorithm), awsAlgorithm, "no BouncyCastle signer name"),
    };
}
