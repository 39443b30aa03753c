using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>
/// The call context of a request that came through the AWS JSON front, so it runs the same interceptors and service
/// method as a gRPC call. It carries the HTTP request where the framework's own context would (UserState
/// "__HttpContext", which grpc-dotnet's GetHttpContext reads) and the request as SigV4 signed it, for
/// <see cref="CallerAuthentication"/> to verify. It has no gRPC headers: the Authorization header here is a signature,
/// never a bearer key.
/// </summary>
public sealed class AwsJsonCallContext : ServerCallContext
{
    private const string HttpContextKey = "__HttpContext";
    private const string SignedRequestKey = "mrk.aws-signed-request";
    private readonly HttpContext _http;
    private readonly Dictionary<object, object> _userState;

    private const string UnreadableKey = "mrk.aws-unreadable-request";

    /// <param name="unreadable">Why the body could not be read as the operation's input, if it could not: refused once the caller is known.</param>
    public AwsJsonCallContext(HttpContext http, string method, SignedRequest signed, KmsException? unreadable)
    {
        _http = http;
        MethodCore = method;
        _userState = new Dictionary<object, object> { [HttpContextKey] = http, [SignedRequestKey] = signed };
        if (unreadable is not null)
        {
            _userState[UnreadableKey] = unreadable;
        }
    }

    /// <summary>The refusal of a request body the front could not read; null when it was read (and for every gRPC call).</summary>
    public static KmsException? UnreadableOf(ServerCallContext context) =>
        context.UserState.TryGetValue(UnreadableKey, out var value) ? value as KmsException : null;

    /// <summary>The signed request of a call that came through the AWS JSON front; null for a gRPC call.</summary>
    public static SignedRequest? SignedRequestOf(ServerCallContext context) =>
        context.UserState.TryGetValue(SignedRequestKey, out var value) ? value as SignedRequest : null;

    protected override string MethodCore { get; }

    protected override string HostCore => _http.Request.Host.Value ?? string.Empty;

    protected override string PeerCore => $"{_http.Connection.RemoteIpAddress}:{_http.Connection.RemotePort}";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => _http.RequestAborted;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override IDictionary<object, object> UserStateCore => _userState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("Calls of the AWS JSON front do not propagate to other calls.");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
