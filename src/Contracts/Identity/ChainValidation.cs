using System.Security.Cryptography.X509Certificates;

namespace Grpc.Mrk.Identity;

/// <summary>Checks that a certificate chains to one given root (and only that root), ignoring the system trust store.</summary>
public static class ChainValidation
{
    /// <summary>Null when the certificate chains to <paramref name="root"/>; otherwise why not.</summary>
    public static string? Problem(X509Certificate2 certificate, X509Certificate2Collection? extraChain, X509Certificate2 root, DateTime verificationTimeUtc)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = verificationTimeUtc;
        if (extraChain is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(extraChain);
        }

        if (!chain.Build(certificate))
        {
            return $"certificate not issued by the trusted CA ({string.Join(", ", chain.ChainStatus.Select(s => s.Status))})";
        }

        return chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(root.RawDataMemory.Span)
            ? null
            : "certificate chains to another root";
    }
}
