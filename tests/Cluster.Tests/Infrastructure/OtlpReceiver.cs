using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP trace receiver of the tests' own on 127.0.0.1 (`POST /v1/traces`, protobuf): keeps every span the
/// product's processes export, with the service that exported it, as an OpenTelemetry collector would receive them.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpReceiver(WebApplication app, int port)
    {
        _app = app;
        Endpoint = $"http://127.0.0.1:{port}";
    }

    /// <summary>What OTEL_EXPORTER_OTLP_ENDPOINT names.</summary>
    public string Endpoint { get; }

    /// <summary>The environment that makes a process export its traces here, at once rather than every five seconds.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
    };

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var port = ControlPlaneProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, port);
        app.MapPost("/v1/traces", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            receiver.Add(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
            http.Response.ContentType = "application/x-protobuf";
            await http.Response.Body.WriteAsync(new ExportTraceServiceResponse().ToByteArray(), http.RequestAborted);
        });
        await app.StartAsync().WithTimeout();
        return receiver;
    }

    private void Add(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var service = Text(resource.Resource.Attributes, "service.name");
            var instance = Text(resource.Resource.Attributes, "service.instance.id");
            foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
            {
                _spans.Enqueue(new ReceivedSpan(service, instance, Convert.ToHexStringLower(span.TraceId.Span), Convert.ToHexStringLower(span.SpanId.Span),
                    Convert.ToHexStringLower(span.ParentSpanId.Span), span.Name, span.Kind.ToString(),
                    span.Attributes.ToDictionary(a => a.Key, a => a.Value.ValueCase == AnyValue.ValueOneofCase.StringValue ? a.Value.StringValue : a.Value.ToString())));
            }
        }
    }

    private static string Text(IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value.StringValue ?? string.Empty;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WithTimeout();
        await _app.DisposeAsync();
    }
}

/// <summary>One exported span: who exported it, its IDs (lower-case hex; no parent is empty), name, kind and attributes.</summary>
public sealed record ReceivedSpan(string Service, string Instance, string TraceId, string SpanId, string ParentSpanId, string Name, string Kind,
    IReadOnlyDictionary<string, string> Attributes)
{
    public override string ToString() => $"{Service}/{Instance} {Kind} \"{Name}\" {SpanId} <- {ParentSpanId}";
}
