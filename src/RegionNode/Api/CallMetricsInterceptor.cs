using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.RegionNode.Api.AwsProtocol;
using Grpc.Mrk.RegionNode.Telemetry;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Times every unary call of both fronts from the outside of the pipeline, so a refusal anywhere in it (authentication,
/// validation, the domain) is counted under the AWS exception name it was answered with. The call's server span, when
/// the node traces, gets the same names: the RPC method rather than the HTTP path, and the outcome.
/// </summary>
public sealed class CallMetricsInterceptor(NodeMetrics metrics, Cluster.Tracing.EnvelopeTrace trace) : Interceptor
{
    /// <summary>Each served method's name as the conventions spell it (no leading slash), made once rather than per call.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> MethodNames = new(StringComparer.Ordinal);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await continuation(request, context).ConfigureAwait(false);
            Record(context, started, StatusCode.OK, null);
            return response;
        }
        catch (RpcException e)
        {
            Record(context, started, e.StatusCode, ErrorStatus.Named(e)?.Code ?? e.StatusCode.ToString());
            throw;
        }
    }

    private void Record(ServerCallContext context, long started, StatusCode status, string? error)
    {
        var tags = new TagList
        {
            { "rpc.system.name", "grpc" },
            { "rpc.method", MethodNames.GetOrAdd(context.Method, static m => m.TrimStart('/')) },
            { "rpc.response.status_code", StatusName(status) },
            { "mrk.front", context is AwsJsonCallContext ? "aws-json" : "grpc" },
        };
        if (error is not null)
        {
            tags.Add("error.type", error);
        }

        metrics.CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        // ASP.NET Core keeps an activity per request even when nothing exports it: named only when this node traces.
        if (trace.Tracing && Activity.Current is { IsAllDataRequested: true } span)
        {
            foreach (var tag in tags)
            {
                span.SetTag(tag.Key, tag.Value);
            }

            // As OpenTelemetry's RPC conventions say for a server: the caller's own mistakes (NotFound, AccessDenied, ...)
            // are no error of the server's.
            if (status is StatusCode.Unknown or StatusCode.DeadlineExceeded or StatusCode.Unimplemented or StatusCode.Internal
                or StatusCode.Unavailable or StatusCode.DataLoss)
            {
                span.SetStatus(ActivityStatusCode.Error, error);
            }
        }
    }

    /// <summary>gRPC's own spelling of a status code (NOT_FOUND), as the conventions ask.</summary>
    private static string StatusName(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.Cancelled => "CANCELLED",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.Aborted => "ABORTED",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.Unimplemented => "UNIMPLEMENTED",
        StatusCode.Internal => "INTERNAL",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DataLoss => "DATA_LOSS",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    };
}
