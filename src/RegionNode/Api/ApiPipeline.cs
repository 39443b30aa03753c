extern alias ServiceBases;

using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// The steps every call of the public API goes through, outermost first: call timed, errors mapped, call audited, caller
/// authenticated and admitted by the method's declaration, charged to its request quota, dry run begun. gRPC runs them through its interceptor
/// list; the AWS JSON front runs the same instances around the same service methods (<see cref="Method"/>), so the two
/// fronts cannot differ in validation, authorization or audit.
/// </summary>
public sealed class ApiPipeline
{
    public static readonly IReadOnlyList<Type> Interceptors =
        [typeof(CallMetricsInterceptor), typeof(ErrorMappingInterceptor), typeof(AuditInterceptor), typeof(CallerAuthentication), typeof(RequestQuotaInterceptor),
         typeof(DryRunInterceptor)];

    private readonly Dictionary<string, UnaryMethod> _methods = new(StringComparer.Ordinal);

    public ApiPipeline(IServiceProvider services, KeyManagementApi api)
    {
        var chain = Interceptors.Select(t => (Interceptor)services.GetRequiredService(t)).ToArray();
        ServiceBases::Grpc.Mrk.V1.KeyManagementService.BindService(new Binder(this, chain), api);
    }

    /// <summary>A unary method of the public KMS API by its name ("Encrypt"), with the steps around it; null if there is none.</summary>
    public UnaryMethod? Method(string name) => _methods.GetValueOrDefault(name);

    public static void Register(IServiceCollection services)
    {
        foreach (var type in Interceptors)
        {
            services.AddSingleton(type);
        }

        services.AddSingleton<ApiPipeline>();
    }

    /// <summary>One method: its full gRPC name, its request type, and a call through every step.</summary>
    public abstract class UnaryMethod(string fullName, MessageDescriptor request)
    {
        public string FullName { get; } = fullName;

        public MessageDescriptor Request { get; } = request;

        public abstract Task<IMessage> InvokeAsync(IMessage request, ServerCallContext context);
    }

    private sealed class Typed<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> call)
        : UnaryMethod(method.FullName, Descriptor())
        where TRequest : class
        where TResponse : class
    {
        public override async Task<IMessage> InvokeAsync(IMessage request, ServerCallContext context) =>
            (IMessage)await call((TRequest)request, context).ConfigureAwait(false);

        // Every generated message type has a static Descriptor; TRequest is one (the binder is given generated services only).
        private static MessageDescriptor Descriptor() =>
            (MessageDescriptor)typeof(TRequest).GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)!
                .GetValue(null)!;
    }

    private sealed class Binder(ApiPipeline pipeline, Interceptor[] chain) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            ArgumentNullException.ThrowIfNull(handler);

            // A request the front could not read is refused here, after the caller was authenticated and admitted (a
            // body changed after signing is a wrong signature first) and inside the audit, never by the service method.
            UnaryServerMethod<TRequest, TResponse> call = (request, context) =>
                AwsProtocol.AwsJsonCallContext.UnreadableOf(context) is { } unreadable ? throw unreadable : handler(request, context);
            for (var i = chain.Length - 1; i >= 0; i--)
            {
                var interceptor = chain[i];
                var inner = call;
                call = (request, context) => interceptor.UnaryServerHandler(request, context, inner);
            }

            pipeline._methods[method.Name] = new Typed<TRequest, TResponse>(method, call);
        }
    }
}
