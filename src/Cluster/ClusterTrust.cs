using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Decides whether a peer's certificate was issued by this cluster's CA (and only by it: the system's trust store
/// plays no part) and names the role and Region the caller expects.
/// </summary>
public sealed class ClusterTrust(X509Certificate2 certificateAuthority, TimeProvider time)
{
    public X509Certificate2 CertificateAuthority { get; } = certificateAuthority;

    /// <summary>The peer's identity when the chain is valid and the role is allowed; null with a reason otherwise.</summary>
    public (PeerIdentity? Identity, string Reason) Check(X509Certificate2? certificate, X509Certificate2Collection? extraChain,
        params ClusterRole[] allowedRoles)
    {
        if (certificate is null)
        {
            return (null, "no client certificate");
        }

        if (ChainValidation.Problem(certificate, extraChain, CertificateAuthority, time.GetUtcNow().UtcDateTime) is { } problem)
        {
            return (null, problem);
        }

        var identity = PeerIdentity.Of(certificate);
        if (identity is null)
        {
            return (null, $"certificate subject '{certificate.Subject}' names no cluster role");
        }

        return allowedRoles.Contains(identity.Role)
            ? (identity, "ok")
            : (null, $"role {identity.Role} is not allowed here (expected {string.Join(" or ", allowedRoles)})");
    }
}
