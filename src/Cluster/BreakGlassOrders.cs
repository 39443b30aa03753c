using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// An operator's break-glass order, promoting a replica whose primary is lost: signed with the key of the operator's
/// cluster certificate (ECDSA P-384, SHA-384, DER) over "mrk/v1/break-glass\0" || key ID, previous primary, new primary
/// and reason (each a uint32 BE length and UTF-8) || int64 BE new epoch || int64 BE issued-at Unix milliseconds. The
/// `mrk` tool signs it; every Region checks it before it follows the new primary.
/// </summary>
public static class BreakGlassOrders
{
    /// <summary>Longest reason an order may give.</summary>
    public const int MaxReasonLength = 1024;

    public static byte[] SignedBytes(string keyId, long epoch, string previousPrimary, string newPrimary, string reason, DateTimeOffset issuedAt) =>
        SignedFields.Encode("mrk/v1/break-glass\0", [keyId, previousPrimary, newPrimary, reason], epoch, issuedAt.ToUnixTimeMilliseconds());

    public static byte[] Sign(ECDsa operatorKey, string keyId, long epoch, string previousPrimary, string newPrimary, string reason, DateTimeOffset issuedAt) =>
        operatorKey.SignData(SignedBytes(keyId, epoch, previousPrimary, newPrimary, reason, issuedAt), HashAlgorithmName.SHA384,
            DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>
    /// Null when the order is an operator's: the certificate chains to <paramref name="authority"/> as it stood when the
    /// order was issued (an order stays valid after the certificate expires: a Region that was away follows it later),
    /// names an operator, and its key signed these exact fields; otherwise why not.
    /// </summary>
    public static string? Problem(X509Certificate2 authority, string keyId, long epoch, string previousPrimary, string newPrimary, string reason,
        DateTimeOffset issuedAt, byte[] operatorCertificate, byte[] signature)
    {
        if (reason.Length is 0 or > MaxReasonLength)
        {
            return $"a break-glass order gives a reason of 1-{MaxReasonLength} characters";
        }

        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(operatorCertificate);
        }
        catch (CryptographicException)
        {
            return "the order's operator certificate is not a certificate";
        }

        using (certificate)
        {
            if (ChainValidation.Problem(certificate, null, authority, issuedAt.UtcDateTime) is { } chain)
            {
                return $"the order's certificate is not the cluster's: {chain}";
            }

            if (PeerIdentity.Of(certificate) is not { Role: ClusterRole.Operator })
            {
                return "the order's certificate is not an operator's";
            }

            using var key = certificate.GetECDsaPublicKey();
            try
            {
                return key is not null && key.VerifyData(SignedBytes(keyId, epoch, previousPrimary, newPrimary, reason, issuedAt), signature,
                    HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence)
                    ? null
                    : "the operator's signature does not match the order";
            }
            catch (CryptographicException)
            {
                return "the operator's signature does not match the order";
            }
        }
    }
}
