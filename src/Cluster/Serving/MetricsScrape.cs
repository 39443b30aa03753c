using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using Grpc.Mrk.Cluster.Tracing;
using OpenTelemetry.Resources;

namespace Grpc.Mrk.Cluster.Serving;

/// <summary>
/// What both servers' metrics share: OpenTelemetry's metrics with the Prometheus exporter, their meter beside the
/// runtime's and Kestrel's, served at <see cref="Path"/> behind the server's own admission. A refused request is answered
/// before anything is read; an admitted one refreshes what the server reads from its store, then is exported.
/// </summary>
public static class MetricsScrape
{
    public const string Path = "/metrics";

    /// <summary>The runtime's and Kestrel's own meters: memory, collections, threads, JIT, connections, TLS handshakes.</summary>
    private static readonly string[] PlatformMeters = ["System.Runtime", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>A refusal: the HTTP status and a line saying why.</summary>
    public sealed record Refusal(int Status, string Message);

    /// <summary>
    /// The process's meter for scraping, and its traces when the OTLP environment variables ask for them
    /// (<see cref="TraceExport"/>): ASP.NET Core's spans and those its <see cref="EnvelopeTrace"/> starts under <paramref name="sourceName"/>.
    /// </summary>
    public static void AddTelemetry(IServiceCollection services, string serviceName, string? instance, string meterName, string sourceName)
    {
        services.AddSingleton(new EnvelopeTrace(new System.Diagnostics.ActivitySource(sourceName)));
        TraceExport.AddTo(services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: instance))
            .WithMetrics(m => m.AddMeter(meterName).AddMeter(PlatformMeters).AddPrometheusExporter()), sourceName, Environment.GetEnvironmentVariable);
    }

    public static void Map(IEndpointRouteBuilder endpoints, Func<HttpContext, Refusal?> admit, Func<HttpContext, Task> refresh) =>
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: b => b.Use(async (http, next) =>
        {
            var refusal = HttpMethods.IsGet(http.Request.Method) ? admit(http) : new Refusal(StatusCodes.Status405MethodNotAllowed, "metrics are read with GET");
            if (refusal is not null)
            {
                http.Response.StatusCode = refusal.Status;
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync(refusal.Message + "\n", http.RequestAborted).ConfigureAwait(false);
                return;
            }

            await refresh(http).ConfigureAwait(false);
            await next(http).ConfigureAwait(false);
        }), optionsName: null);
}
