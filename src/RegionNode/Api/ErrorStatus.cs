using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// The one mapping from AWS exception names to gRPC status codes. The detail travels as google.rpc.Status with an
/// ErrorInfo (reason = AWS exception name, domain = "mrk.v1"). UnsupportedOperationException maps to
/// FAILED_PRECONDITION: the method exists, the key cannot do it.
/// </summary>
public static class ErrorStatus
{
    public const string Domain = "mrk.v1";

    public static StatusCode CodeFor(string errorCode) => errorCode switch
    {
        KmsErrorCodes.NotFound => StatusCode.NotFound,
        KmsErrorCodes.AlreadyExists => StatusCode.AlreadyExists,
        KmsErrorCodes.Disabled or KmsErrorCodes.KMSInvalidState or KmsErrorCodes.UnsupportedOperation or KmsErrorCodes.DryRunOperation
            => StatusCode.FailedPrecondition,
        KmsErrorCodes.AccessDenied => StatusCode.PermissionDenied,
        KmsErrorCodes.MissingAuthenticationToken or KmsErrorCodes.UnrecognizedClient or KmsErrorCodes.InvalidSignature
            or KmsErrorCodes.IncompleteSignature => StatusCode.Unauthenticated,
        KmsErrorCodes.LimitExceeded or KmsErrorCodes.Throttling => StatusCode.ResourceExhausted,
        KmsErrorCodes.Conflict => StatusCode.Aborted,
        KmsErrorCodes.DependencyTimeout => StatusCode.Unavailable,
        KmsErrorCodes.KMSInternal => StatusCode.Internal,
        _ => StatusCode.InvalidArgument,
    };

    /// <param name="retryAfter">For a throttled call, when to try again: a google.rpc.RetryInfo beside the ErrorInfo.</param>
    public static RpcException ToRpcException(string errorCode, string message, TimeSpan? retryAfter = null)
    {
        var status = new Google.Rpc.Status
        {
            Code = (int)CodeFor(errorCode),
            Message = message,
            Details = { Any.Pack(new ErrorInfo { Reason = errorCode, Domain = Domain }) },
        };
        if (retryAfter is { } wait)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(wait) }));
        }

        return status.ToRpcException();
    }

    /// <summary>The AWS exception name and message a refusal of ours carries; null for an error that is not one of ours.</summary>
    public static (string Code, string Message)? Named(RpcException exception)
    {
        var status = exception.GetRpcStatus();
        return status?.GetDetail<ErrorInfo>() is { Domain: Domain } info ? (info.Reason, status.Message) : null;
    }
}
