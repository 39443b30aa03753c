using Grpc.Mrk.Cluster;
using Grpc.Mrk.Cluster.Serving;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.ControlPlane.Api;

/// <summary>
/// The ControlPlane's metrics in Prometheus's text format at <see cref="MetricsScrape.Path"/>, for operators only: every
/// connection already presents a certificate of the cluster CA (TLS requires one); this one must say OU=operator, so a
/// Region's certificate reads nothing.
/// </summary>
public static class MetricsEndpoint
{
    public static void MapRelayMetrics(this IEndpointRouteBuilder endpoints) =>
        MetricsScrape.Map(endpoints, Admit, http => http.RequestServices.GetRequiredService<RelayMetrics>().RefreshAsync(http.RequestAborted));

    private static MetricsScrape.Refusal? Admit(HttpContext http) =>
        http.Connection.ClientCertificate is { } certificate
        && http.RequestServices.GetRequiredService<ClusterTrust>().Check(certificate, null, ClusterRole.Operator).Identity is not null
            ? null
            : new MetricsScrape.Refusal(StatusCodes.Status403Forbidden, "metrics are read by operators: present an operator certificate of the cluster CA");
}
