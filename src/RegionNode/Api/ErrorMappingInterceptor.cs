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
        catch (Exception e) when (e is not RpcException)
        {
            throw Mapped(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw Mapped(e, context);
        }
    }

    private RpcException Mapped(Exception exception, ServerCallContext context)
    {
        switch (exception)
        {
            case KmsException refusal:
                // Throttled calls are counted (the call metrics' error.type ThrottlingException), not logged: a caller over its
                // quota would otherwise turn its excess into log lines.
                if (refusal.ErrorCode != KmsErrorCodes.Throttling)
                {
                    Log.CallRefused(logger, context.Method, refusal.ErrorCode, Cluster.LogText.Safe(refusal.Message));
                }

                return ErrorStatus.ToRpcException(refusal.ErrorCode, refusal.Message, refusal.RetryAfter);
            case var _ when Storage.StoreWriteRefusal.Why(exception) is { } why:
                // A transaction that cannot commit changes nothing: the caller hears why and may retry once there is room.
                Log.CallRefused(logger, context.Method, KmsErrorCodes.DependencyTimeout, why);
                return ErrorStatus.ToRpcException(KmsErrorCodes.DependencyTimeout,
                    $"The Region cannot store the change: {why}. Nothing was changed; retry once space is freed.");
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new Status(StatusCode.Cancelled, "The call was cancelled or its deadline passed."));
            default:
                Log.CallFailed(logger, context.Method, exception);
                return ErrorStatus.ToRpcException(KmsErrorCodes.KMSInternal, "An internal error occurred. The server log has the details.");
        }
    }
}
