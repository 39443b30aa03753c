using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.ControlPlane.Storage;

namespace Grpc.Mrk.ControlPlane.Api;

/// <summary>
/// The one place a relay store that cannot be reached becomes an answer: UNAVAILABLE, which a Region takes as "try
/// another replica" and an operator's client as "try again", never UNKNOWN from an exception left unhandled.
/// </summary>
public sealed class StoreUnavailableMapping : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RelayStoreUnavailableException e)
        {
            throw Refusal.Unavailable($"The relay's store cannot be reached now: {e.Message}. Try again, or another ControlPlane replica.");
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (RelayStoreUnavailableException e)
        {
            throw Refusal.Unavailable($"The relay's store cannot be reached now: {e.Message}. Connect to another ControlPlane replica.");
        }
    }
}
