using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Client;

/// <summary>
/// The HTTP handler of a client channel: trusts one given CA instead of the system store when asked to, accepting only
/// a server certificate of that CA that names the expected server (<see cref="ClusterHandlers.Server"/>), and presents
/// a client certificate when one is given.
/// </summary>
internal static class TrustedHandler
{
    public static SocketsHttpHandler Create(string? certificateAuthorityFile, X509Certificate2? clientCertificate = null, string? region = null)
    {
        if (certificateAuthorityFile is not null)
        {
            return ClusterHandlers.Create(clientCertificate, ClusterHandlers.Server(CertificateFiles.LoadCertificate(certificateAuthorityFile), region));
        }

        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return handler;
    }
}
