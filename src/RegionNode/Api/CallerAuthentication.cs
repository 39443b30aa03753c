using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Who is calling, for every call of the public key API and the principal admin API: an API key sent as
/// "authorization: Bearer mrk_..." names a principal, as does a client certificate from the cluster CA with OU=user or
/// OU=role (its CN is the name); the admin API takes a client certificate from the cluster CA with OU=operator. Without credentials a call is refused (MissingAuthenticationTokenException), unless the node runs in
/// its insecure local mode, where it acts as the account's root principal. Health, reflection and test services pass.
/// </summary>
public sealed class CallerAuthentication(PrincipalOperations principals, RegionIdentity region, AuthenticationSettings settings) : Interceptor
{

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var isAdmin = PublicMethods.IsAdmin(context.Method);
        if (!PublicMethods.IsKeyOrAdmin(context.Method))
        {
            return await continuation(request, context).ConfigureAwait(false);
        }

        var caller = await AuthenticateAsync(context, isAdmin).ConfigureAwait(false);
        context.UserState[AuditInterceptor.CallerKey] = caller;
        using var scope = CallerContext.Enter(caller);
        return await continuation(request, context).ConfigureAwait(false);
    }

    private async Task<Caller> AuthenticateAsync(ServerCallContext context, bool isAdmin)
    {
        if (isAdmin)
        {
            if (settings.AllowAnonymous || IsOperator(context))
            {
                return new Caller(region.RootPrincipal);
            }

            throw KmsErrors.AccessDeniedTo("the principal admin API needs an operator certificate from the cluster CA");
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is not null)
        {
            const string bearer = "Bearer ";
            var arn = header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
                ? await principals.AuthenticateAsync(header[bearer.Length..].Trim(), context.CancellationToken).ConfigureAwait(false)
                : null;
            return arn is null ? throw KmsErrors.UnrecognizedClient() : new Caller(arn);
        }

        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is not null && settings.Trust is not null)
        {
            // A certificate from the cluster CA naming a user or role (OU) is that principal; any other certificate is refused.
            var identity = settings.Trust.Check(certificate, null, ClusterRole.User, ClusterRole.Role).Identity ?? throw KmsErrors.UnrecognizedClient();
            return new Caller($"arn:{region.Partition}:iam::{region.AccountId}:{(identity.Role == ClusterRole.User ? "user" : "role")}/{identity.Name}");
        }

        return settings.AllowAnonymous ? new Caller(region.RootPrincipal) : throw KmsErrors.MissingAuthenticationToken();
    }

    private bool IsOperator(ServerCallContext context)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        return certificate is not null && settings.Trust?.Check(certificate, null, ClusterRole.Operator).Identity is not null;
    }
}

/// <summary>How callers authenticate on this node: anonymous calls allowed (insecure local mode), and the cluster CA for client certificates.</summary>
public sealed record AuthenticationSettings(bool AllowAnonymous, ClusterTrust? Trust);
