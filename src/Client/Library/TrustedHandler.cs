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

        handler.Dispose();
        return ClusterHandlers.Create(null, ClusterHandlers.IssuedBy(ClusterPki.LoadCertificate(certificateAuthorityFile)));
    }
}
