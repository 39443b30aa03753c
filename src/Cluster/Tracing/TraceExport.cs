using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Grpc.Mrk.Cluster.Tracing;

/// <summary>
/// Traces are off unless OpenTelemetry's usual environment variables name an OTLP endpoint
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>; protocol, headers, batch delay and
/// resource attributes are read by the exporter as OpenTelemetry documents them), and stay off with
/// <c>OTEL_SDK_DISABLED=true</c> or <c>OTEL_TRACES_EXPORTER=none</c>. A process that does not trace creates no span and
/// puts no trace context into the envelopes it sends.
/// </summary>
public static class TraceExport
{
    /// <summary>Requests that would only be noise in a trace: scrapes, health checks, reflection, and the relay's stream, which lives for hours (its envelopes have spans of their own).</summary>
    private static readonly string[] Untraced = ["/metrics", "/grpc.health.v1.", "/grpc.reflection.", "/mrk.internal.v1.Relay/"];

    public static bool Configured(Func<string, string?> environment) =>
        !string.Equals(environment("OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase)
        && !string.Equals(environment("OTEL_TRACES_EXPORTER"), "none", StringComparison.OrdinalIgnoreCase)
        && (!string.IsNullOrWhiteSpace(environment("OTEL_EXPORTER_OTLP_ENDPOINT")) || !string.IsNullOrWhiteSpace(environment("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")));

    public static OpenTelemetryBuilder AddTo(OpenTelemetryBuilder telemetry, string sourceName, Func<string, string?> environment) =>
        Configured(environment)
            ? telemetry.WithTracing(t => t
                .AddSource(sourceName)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = Traced;
                    // A call the server named for RPC (CallMetricsInterceptor) keeps that name, not "POST /path".
                    o.EnrichWithHttpResponse = (span, _) =>
                    {
                        if (span.GetTagItem("rpc.method") is string method)
                        {
                            span.DisplayName = method;
                        }
                    };
                })
                .AddOtlpExporter())
            : telemetry;

    private static bool Traced(HttpContext http) =>
        !Array.Exists(Untraced, prefix => http.Request.Path.Value?.StartsWith(prefix, StringComparison.Ordinal) == true);
}
