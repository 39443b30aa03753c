using Grpc.Core;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>The caller's cluster identity from its TLS client certificate, refused unless it has an allowed role.</summary>
public sealed class PeerCertificates(ClusterTrust trust, ILogger<PeerCertificates> logger)
{
    public PeerIdentity Require(ServerCallContext context, params ClusterRole[] roles)
    {
        var connection = context.GetHttpContext().Connection;
        var (identity, reason) = trust.Check(connection.ClientCertificate, null, roles);
        if (identity is null)
        {
            Log.PeerRefused(logger, context.Method, connection.RemoteIpAddress?.ToString() ?? "?", reason);
            throw Refusal.AccessDenied($"Refused: {reason}.");
        }

        return identity;
    }
}
