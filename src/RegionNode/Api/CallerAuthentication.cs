using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Declarations;
using Grpc.Mrk.Identity;
using Grpc.Mrk.RegionNode.Api.AwsProtocol;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Who is calling, decided for every call from the method's declaration in protos/ (<see cref="MethodDeclarations"/>):
/// a method without one is refused, whatever the credentials. A principal is an API key sent as
/// "authorization: Bearer mrk_...", a Signature Version 4 of an access key (on the AWS JSON front), or a client certificate from the cluster CA with OU=user or OU=role whose principal
/// exists in this Region's store; an operator is a client certificate with OU=operator. Without credentials a call is
/// refused (MissingAuthenticationTokenException), unless the node runs in its insecure local mode, where it acts as the
/// account's root principal. The caller is put on the call (<see cref="CallerOf"/>) for the service to hand to the
/// domain explicitly.
/// </summary>
public sealed class CallerAuthentication(PrincipalOperations principals, AwsSignatureAuthentication signatures, RegionIdentity region,
    AuthenticationSettings settings) : Interceptor
{
    private const string CallerKey = "mrk.caller";

    /// <summary>The authenticated caller of this call; a call that reached a service without one is refused, never served.</summary>
    public static Caller CallerOf(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var value) && value is Caller caller
            ? caller
            : throw KmsErrors.AccessDeniedTo("the call carries no authenticated caller");

    /// <summary>The caller if one was authenticated (for the audit record of a refused call).</summary>
    public static Caller? FoundCaller(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var value) ? value as Caller : null;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AdmitAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async Task AdmitAsync(ServerCallContext context)
    {
        var declaration = RegionNodeMethods.Declarations.Find(context.Method)
            ?? throw KmsErrors.AccessDeniedTo("this method declares no access and is not served");
        if (declaration.Admits(CallerKind.Anonymous))
        {
            return;
        }

        // Test services exist only on a node started in test mode on loopback (checked at start); they take no credentials.
        if (declaration.Admits(CallerKind.TestHarness))
        {
            return;
        }

        // Who the credentials name comes first, so a refusal is recorded under the caller's name; then whether the
        // method admits that kind of caller.
        var caller = await IdentifyAsync(context).ConfigureAwait(false);
        if (caller is null && settings.AllowAnonymous)
        {
            // The insecure local mode: a call without credentials is the account's root, which also manages the Region.
            caller = declaration.Admits(CallerKind.Principal) ? Caller.Principal(region.RootPrincipal) : Caller.Operator(region.RootPrincipal);
        }

        if (caller is not null)
        {
            // Where the call came from and how, for aws:SourceIp and aws:SecureTransport.
            var connection = context.GetHttpContext();
            caller = caller with
            {
                SourceIp = connection.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null,
                SecureTransport = connection.Request.IsHttps,
            };
            // The record the call owes for its change goes to the domain with the caller, which hands it to the store.
            if (AuditInterceptor.PendingOf(context) is { } pending)
            {
                pending.Event = pending.Event with { PrincipalArn = caller.PrincipalArn };
                caller = caller with { Record = pending };
            }

            context.UserState[CallerKey] = caller;
        }

        var kind = caller?.Type switch
        {
            CallerType.Principal => CallerKind.Principal,
            CallerType.Operator => CallerKind.Operator,
            _ => CallerKind.Unspecified,
        };
        if (caller is null)
        {
            throw KmsErrors.MissingAuthenticationToken();
        }

        if (!declaration.Admits(kind))
        {
            var action = declaration.Action.Length > 0 ? declaration.Action : $"kms:{context.Method[(context.Method.LastIndexOf('/') + 1)..]}";
            throw KmsErrors.AccessDenied(caller.PrincipalArn, action, $"arn:{region.Partition}:kms:{region.Region}:{region.AccountId}:*");
        }
    }

    /// <summary>
    /// The identity the call's credentials prove, or null when it carries none. An API key or a user/role certificate names a principal that must exist in this Region's store; an
    /// operator certificate names an operator. Credentials that prove nothing are refused here (UnrecognizedClient).
    /// </summary>
    private async Task<Caller?> IdentifyAsync(ServerCallContext context)
    {
        if (AwsJsonCallContext.SignedRequestOf(context) is { } signed)
        {
            try
            {
                var signer = await signatures.AuthenticateAsync(signed, context.CancellationToken).ConfigureAwait(false);
                return Caller.Principal(signer.Arn, signer.PrincipalId);
            }
            catch (KmsException) when (settings.AllowAnonymous)
            {
                // The insecure local mode takes any signature, or none, as the account's root.
                return null;
            }
        }

        var header = context.RequestHeaders.GetValue("authorization");
        if (header is not null)
        {
            const string bearer = "Bearer ";
            var principal = header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
                ? await principals.AuthenticateAsync(header[bearer.Length..].Trim(), context.CancellationToken).ConfigureAwait(false)
                : null;
            return principal is null ? throw KmsErrors.UnrecognizedClient() : Caller.Principal(principal.Arn, principal.PrincipalId);
        }

        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is not null && settings.Trust is not null)
        {
            var identity = settings.Trust.Check(certificate, null, ClusterRole.User, ClusterRole.Role, ClusterRole.Operator).Identity
                           ?? throw KmsErrors.UnrecognizedClient();
            if (identity.Role == ClusterRole.Operator)
            {
                return Caller.Operator(region.OperatorPrincipal(identity.Name));
            }

            // A certificate proves a name; the store decides whether that principal may call at all.
            var named = await principals.AuthenticateCertificateAsync(identity.Name,
                identity.Role == ClusterRole.User ? PrincipalType.User : PrincipalType.Role, context.CancellationToken).ConfigureAwait(false);
            return named is null ? throw KmsErrors.UnrecognizedClient() : Caller.Principal(named.Arn, named.PrincipalId);
        }

        if (certificate is not null)
        {
            // A node without the cluster CA cannot tell who a certificate names.
            throw KmsErrors.UnrecognizedClient();
        }

        return null;
    }
}

/// <summary>How callers authenticate on this node: anonymous calls allowed (insecure local mode), and the cluster CA for client certificates.</summary>
public sealed record AuthenticationSettings(bool AllowAnonymous, ClusterTrust? Trust);
