using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Where every exception of a call ends: refusals become AWS-named gRPC errors, anything unexpected becomes a generic
/// KMSInternalException whose details stay in the server log.
/// </summary>
public sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (KmsException refusal)
        {
            // Throttled calls are counted (the call metrics' error.type ThrottlingException), not logged: a caller over its
            // quota would otherwise turn its excess into log lines.
            if (refusal.ErrorCode != KmsErrorCodes.Throttling)
            {
                Log.CallRefused(logger, context.Method, refusal.ErrorCode, Cluster.LogText.Safe(refusal.Message));
            }

            throw ErrorStatus.ToRpcException(refusal.ErrorCode, refusal.Message, refusal.RetryAfter);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled or its deadline passed."));
        }
        catch (Exception unexpected)
        {
            Log.CallFailed(logger, context.Method, unexpected);
            throw ErrorStatus.ToRpcException(KmsErrorCodes.KMSInternal, "An internal error occurred. The server log has the details.");
        }
    }
}
