using System.Net;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.ControlPlane.WebConsole;

/// <summary>
/// Who may read the console: an operator certificate of the cluster CA; without a certificate, only a caller on
/// loopback and only when the ControlPlane was started for a local cluster (<c>--insecure-console-loopback</c>).
/// Any other certificate (a Region's, a principal's) is refused even on loopback.
/// </summary>
public sealed class ConsoleAccess(ClusterTrust trust, bool anonymousOnLoopback)
{
    public sealed record Refusal(int Status, string Message);

    public Refusal? Admit(HttpContext http)
    {
        if (http.Connection.ClientCertificate is { } certificate)
        {
            var (identity, reason) = trust.Check(certificate, null, ClusterRole.Operator);
            return identity is not null ? null : new Refusal(StatusCodes.Status403Forbidden, $"The console is for operators: {reason}.");
        }

        return anonymousOnLoopback && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
            ? null
            : new Refusal(StatusCodes.Status401Unauthorized, "The console is for operators: present an operator certificate of the cluster CA.");
    }
}
