using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.ControlPlane.Relay;
using Grpc.Mrk.Declarations;
using Grpc.Mrk.Identity;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.ControlPlane.Api;

/// <summary>
/// Admits a call only as the method's declaration in protos/ allows (<see cref="MethodDeclarations"/>): a method without
/// one is refused whatever the certificate, anonymous methods (health) pass, and every other caller kind must be the
/// role of the client certificate (TLS already required one from the cluster CA). The services check the role again
/// where they use the identity, so a declaration can only narrow what they allow.
/// </summary>
public sealed class DeclaredAccess(PeerCertificates peers) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Admit(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Admit(ServerCallContext context)
    {
        var declaration = ControlPlaneMethods.Declarations.Find(context.Method)
            ?? throw Refusal.AccessDenied("Refused: this method declares no access and is not served.");
        if (declaration.Admits(CallerKind.Anonymous))
        {
            return;
        }

        var roles = declaration.Callers.Select(RoleOf).OfType<ClusterRole>().ToArray();
        if (roles.Length == 0)
        {
            throw Refusal.AccessDenied("Refused: this method is not served to any caller of the ControlPlane.");
        }

        _ = peers.Require(context, roles);
    }

    // Principals and test harnesses never call the ControlPlane: only Regions and operators hold roles it knows.
    private static ClusterRole? RoleOf(CallerKind kind) => kind switch
    {
        CallerKind.Region => ClusterRole.Region,
        CallerKind.Operator => ClusterRole.Operator,
        _ => null,
    };
}
