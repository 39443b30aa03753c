using Google.Rpc;
using Grpc.Core;

namespace Grpc.Mrk.Client;

/// <summary>Reads the AWS exception name out of a gRPC error: the one place clients parse error details.</summary>
public static class MrkErrors
{
    public const string Domain = "mrk.v1";

    /// <summary>The ErrorInfo reason of a RegionNode error, or a name derived from the status code when there is none.</summary>
    public static string ErrorCodeOf(RpcException exception)
    {
        var info = exception.GetRpcStatus()?.GetDetail<ErrorInfo>();
        if (info is not null && info.Domain == Domain && !string.IsNullOrEmpty(info.Reason))
        {
            return info.Reason;
        }

        return exception.StatusCode switch
        {
            StatusCode.Unavailable => "DependencyTimeoutException",
            StatusCode.DeadlineExceeded => "DependencyTimeoutException",
            StatusCode.Cancelled => "CancelledException",
            StatusCode.ResourceExhausted => "LimitExceededException",
            StatusCode.Unauthenticated => "UnrecognizedClientException",
            StatusCode.PermissionDenied => "AccessDeniedException",
            _ => "KMSInternalException",
        };
    }

    public static MrkException From(RpcException exception) =>
        new(ErrorCodeOf(exception), exception.Status.Detail, exception.StatusCode, exception);
}
