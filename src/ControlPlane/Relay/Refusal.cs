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
    public static RpcException AccessDenied(string message) => new Google.Rpc.Status
    {
        Code = (int)StatusCode.PermissionDenied,
        Message = message,
        Details = { Any.Pack(new ErrorInfo { Reason = "AccessDeniedException", Domain = "mrk.v1" }) },
    }.ToRpcException();
}
