using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.Client;

/// <summary>The HTTP handler of a client channel: trusts one given CA instead of the system store when asked to.</summary>
internal static class TrustedHandler
{
    public static SocketsHttpHandler Create(string? certificateAuthorityFile)
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        if (certificateAuthorityFile is null)
        {
            return handler;
        }

        var authority = ClusterPki.LoadCertificate(certificateAuthorityFile);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            certificate is X509Certificate2 presented
            && (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
            && ChainValidation.Problem(presented, chain?.ChainPolicy.ExtraStore, authority, DateTime.UtcNow) is null;
        return handler;
    }
}
