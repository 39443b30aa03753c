using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>
/// How the ControlPlane refuses a caller: PERMISSION_DENIED with the same google.rpc.ErrorInfo the Regions send
/// (reason AccessDeniedException, domain mrk.v1), so every client reads one error model from every process.
/// </summary>
public static class Refusal
{
    public static RpcException AccessDenied(string message) => Of(StatusCode.PermissionDenied, "AccessDeniedException", message);

    public static RpcException NotFound(string message) => Of(StatusCode.NotFound, "NotFoundException", message);

    public static RpcException Invalid(string message) => Of(StatusCode.InvalidArgument, "ValidationException", message);

    /// <summary>The cluster's state does not allow it now (AWS's KMSInvalidStateException).</summary>
    public static RpcException InvalidState(string message) => Of(StatusCode.FailedPrecondition, "KMSInvalidStateException", message);

    /// <summary>What keeps the relay's state cannot be reached now; the caller tries again, or another replica (AWS's KMSInternalException is not it: nothing failed here).</summary>
    public static RpcException Unavailable(string message) => Of(StatusCode.Unavailable, "DependencyTimeoutException", message);

    private static RpcException Of(StatusCode code, string reason, string message) => new Google.Rpc.Status
    {
        Code = (int)code,
        Message = message,
        Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = "mrk.v1" }) },
    }.ToRpcException();
}
