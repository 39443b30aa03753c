using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Starts a <see cref="DryRun"/> for a call whose request sets its <c>dry_run</c> field (the cryptographic operations
/// and the grant operations of the API, as AWS's model has it), so each operation honours it without a flag of its own.
/// </summary>
public sealed class DryRunInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var scope = Requested(request as IMessage) ? DryRun.Begin() : null;
        return await continuation(request, context).ConfigureAwait(false);
    }

    private static bool Requested(IMessage? request) =>
        request?.Descriptor.FindFieldByName("dry_run") is { FieldType: FieldType.Bool, IsRepeated: false } field && field.Accessor.GetValue(request) is true;
}
