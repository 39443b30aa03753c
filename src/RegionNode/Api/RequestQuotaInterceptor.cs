using System.Collections.Frozen;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.RegionNode.Domain.Quotas;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Charges an authenticated call to the request quota of its operation (CreateKey, DescribeKey, ...) before the
/// operation runs. The shared quotas whose choice needs the request read are charged by the domain where it is known:
/// a key's type (<see cref="Domain.Operations.AccessControl"/>), a data key pair's spec and GenerateRandom
/// (<see cref="Domain.Operations.DataKeyOperations"/>). A call refused before authentication draws on no account's quota.
/// </summary>
public sealed class RequestQuotaInterceptor(RequestThrottle throttle) : Interceptor
{
    private static readonly FrozenDictionary<string, RequestQuota> ByMethod =
        RequestQuotaCatalog.Operations.ToFrozenDictionary(o => $"/mrk.v1.KeyManagementService/{o.Key}", o => o.Value, StringComparer.Ordinal);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (throttle.Enabled && ByMethod.TryGetValue(context.Method, out var quota) && CallerAuthentication.FoundCaller(context) is { } caller)
        {
            throttle.Charge(caller, quota);
        }

        return continuation(request, context);
    }
}
