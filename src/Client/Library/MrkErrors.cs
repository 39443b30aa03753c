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

    /// <summary>True for a call refused because its caller is over a request quota: nothing was done, a later attempt may be served.</summary>
    public static bool IsThrottled(RpcException exception) =>
        exception.StatusCode == StatusCode.ResourceExhausted && ErrorCodeOf(exception) == "ThrottlingException";

    /// <summary>How long the server asked a throttled caller to wait (google.rpc.RetryInfo), if it said.</summary>
    public static TimeSpan? RetryDelayOf(RpcException exception) =>
        exception.GetRpcStatus()?.GetDetail<RetryInfo>()?.RetryDelay?.ToTimeSpan();

    /// <summary>Client-side code for a TLS handshake the client refused, as the AWS CLI names it.</summary>
    public const string SslValidationFailed = "SSLValidationFailed";

    public static MrkException From(RpcException exception)
    {
        if (IsTlsFailure(exception.Status.DebugException))
        {
            return new MrkException(SslValidationFailed,
                "SSL validation failed: the server's certificate is not trusted or does not name this host "
                + "(give the CA that issued it with --ca-bundle or MrkClientOptions.CertificateAuthorityFile).",
                StatusCode.Unavailable, exception);
        }

        return new(ErrorCodeOf(exception), exception.Status.Detail, exception.StatusCode, exception);
    }

    private static bool IsTlsFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException)
            {
                return true;
            }
        }

        return false;
    }
}
