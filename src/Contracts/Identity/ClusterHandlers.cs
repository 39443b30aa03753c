using System.Security.Cryptography.X509Certificates;

namespace Grpc.Mrk.Identity;

/// <summary>HTTP handlers for gRPC channels inside the cluster: an optional client certificate and a server check.</summary>
public static class ClusterHandlers
{
    /// <summary>A handler presenting <paramref name="clientCertificate"/> (if any) and accepting a server only when <paramref name="acceptServer"/> says so.</summary>
    public static SocketsHttpHandler Create(X509Certificate2? clientCertificate, Func<X509Certificate2, X509Certificate2Collection?, bool> acceptServer)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            certificate is X509Certificate2 presented
            && (errors & (System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch | System.Net.Security.SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
            && acceptServer(presented, chain?.ChainPolicy.ExtraStore);
        return handler;
    }

    /// <summary>Accepts a server whose certificate chains to <paramref name="authority"/>.</summary>
    public static Func<X509Certificate2, X509Certificate2Collection?, bool> IssuedBy(X509Certificate2 authority) =>
        (certificate, extra) => ChainValidation.Problem(certificate, extra, authority, DateTime.UtcNow) is null;

    /// <summary>
    /// Accepts a server certificate of <paramref name="authority"/> that names the server asked for: the Region
    /// <paramref name="region"/>, or, when it is null, any Region or the ControlPlane. Every server certificate names
    /// loopback, so on one machine the host name alone cannot tell one Region from another; the identity can.
    /// </summary>
    public static Func<X509Certificate2, X509Certificate2Collection?, bool> Server(X509Certificate2 authority, string? region)
    {
        var issued = IssuedBy(authority);
        return (certificate, extra) => issued(certificate, extra) && PeerIdentity.Of(certificate) is { } identity
            && (region is null ? identity.Role is ClusterRole.Region or ClusterRole.ControlPlane : identity.Role == ClusterRole.Region && identity.Name == region);
    }

    /// <summary>Accepts the cluster's ControlPlane only.</summary>
    public static Func<X509Certificate2, X509Certificate2Collection?, bool> ControlPlane(X509Certificate2 authority)
    {
        var issued = IssuedBy(authority);
        return (certificate, extra) => issued(certificate, extra) && PeerIdentity.Of(certificate) is { Role: ClusterRole.ControlPlane };
    }
}
