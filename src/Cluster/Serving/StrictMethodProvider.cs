using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Grpc.Mrk.Cluster.Serving;

/// <summary>
/// Binds a service's methods to <typeparamref name="TEndpoint"/> (a routing handle whose own binder binds nothing) with
/// request marshallers that turn a parse failure (truncated bytes, invalid UTF-8, wrong wire types) into
/// <paramref name="refusal"/>. Without it the framework answers such a request, or ends such a stream, with UNKNOWN.
/// </summary>
public sealed class StrictMethodProvider<TEndpoint>(Action<ServiceBinderBase> bind, Func<RpcException> refusal) : IServiceMethodProvider<TEndpoint>
    where TEndpoint : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TEndpoint> context) => bind(new Binder(context, refusal));

    private sealed class Binder(ServiceMethodProviderContext<TEndpoint> context, Func<RpcException> refusal) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            context.AddUnaryMethod(Strict(method), [], (_, request, callContext) => handler(request, callContext));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            context.AddDuplexStreamingMethod(Strict(method), [], (_, requests, responses, callContext) => handler(requests, responses, callContext));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            context.AddServerStreamingMethod(Strict(method), [], (_, request, responses, callContext) => handler(request, responses, callContext));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            throw new NotSupportedException($"{method.FullName}: client-streaming methods are not bound strictly yet.");

        private Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class
        {
            var inner = method.RequestMarshaller;
            var marshaller = Marshallers.Create<TRequest>(inner.ContextualSerializer, deserializationContext =>
            {
                try
                {
                    return inner.ContextualDeserializer(deserializationContext);
                }
                catch (InvalidProtocolBufferException)
                {
                    throw refusal();
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
        }
    }
}
