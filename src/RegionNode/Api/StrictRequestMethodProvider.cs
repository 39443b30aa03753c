using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Binds every method of <see cref="KeyManagementService"/> to <see cref="KeyManagementApi"/> with a request
/// marshaller that turns a parse failure (truncated bytes, invalid UTF-8, bad wire types) into ValidationException.
/// Without it the framework answers such requests with UNKNOWN.
/// </summary>
public sealed class StrictRequestMethodProvider(KeyManagementApi api) : IServiceMethodProvider<KeyManagementEndpoint>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<KeyManagementEndpoint> context) =>
        KeyManagementService.BindService(new Binder(context), api);

    private sealed class Binder(ServiceMethodProviderContext<KeyManagementEndpoint> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            var strict = new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, Strict(method.RequestMarshaller),
                method.ResponseMarshaller);
            context.AddUnaryMethod(strict, [], (_, request, callContext) => handler(request, callContext));
        }

        private static Marshaller<T> Strict<T>(Marshaller<T> inner) =>
            Marshallers.Create<T>(inner.ContextualSerializer, deserializationContext =>
            {
                try
                {
                    return inner.ContextualDeserializer(deserializationContext);
                }
                catch (InvalidProtocolBufferException)
                {
                    throw ErrorStatus.ToRpcException(KmsErrorCodes.Validation,
                        "The request is not a valid protobuf encoding of this method's request message.");
                }
            });
    }
}
