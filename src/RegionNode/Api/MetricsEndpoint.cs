using System.Net;
using Grpc.Mrk.Cluster.Serving;
using Grpc.Mrk.Identity;
using Grpc.Mrk.RegionNode.Telemetry;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// The node's metrics in Prometheus's text format at <see cref="MetricsScrape.Path"/>, on the node's own port and TLS,
/// for operators only: a client certificate of the cluster CA with OU=operator, or, in the insecure local mode (loopback
/// only), a caller on loopback. An API key names a principal, never an operator.
/// </summary>
public static class MetricsEndpoint
{
    public static void MapNodeMetrics(this IEndpointRouteBuilder endpoints) =>
        MetricsScrape.Map(endpoints, Admit, http => http.RequestServices.GetRequiredService<NodeMetrics>().RefreshAsync(http.RequestAborted));

    private static MetricsScrape.Refusal? Admit(HttpContext http)
    {
        var settings = http.RequestServices.GetRequiredService<AuthenticationSettings>();
        if (http.Connection.ClientCertificate is { } certificate)
        {
            return settings.Trust?.Check(certificate, null, ClusterRole.Operator).Identity is null
                ? new MetricsScrape.Refusal(StatusCodes.Status403Forbidden, "metrics are read by operators: this certificate is not an operator certificate of this cluster")
                : null;
        }

        return settings.AllowAnonymous && http.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
            ? null
            : new MetricsScrape.Refusal(StatusCodes.Status401Unauthorized, "metrics are read by operators: present an operator certificate of the cluster CA");
    }
}
