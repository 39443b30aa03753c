using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.ControlPlane.Storage;

/// <summary>What every store of digest copies checks before it keeps any: the key's form and each signature.</summary>
internal static class DigestChecks
{
    public const string OtherKey = "the Region presents another audit signing key than the one it first published";

    /// <summary>Why the digests cannot be kept under <paramref name="publicKey"/>; null when each verifies.</summary>
    public static string? Refusal(string region, byte[] publicKey, IReadOnlyList<DigestCopy> digests)
    {
        using var key = AuditDigestSignature.PublicKey(publicKey);
        if (key is null)
        {
            return "the audit public key is not an ECDSA P-384 SubjectPublicKeyInfo";
        }

        return digests.FirstOrDefault(d => !AuditDigestSignature.Verifies(key, region, d.Sequence, d.Hash, d.CreatedAt, d.Signature)) is { } bad
            ? $"the digest sealing record {bad.Sequence} does not verify with the Region's audit signing key"
            : null;
    }
}
