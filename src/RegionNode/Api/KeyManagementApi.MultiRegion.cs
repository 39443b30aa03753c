using Grpc.Core;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

public sealed partial class KeyManagementApi
{
    public override async Task<ReplicateKeyResponse> ReplicateKey(ReplicateKeyRequest request, ServerCallContext context)
    {
        var created = await multiRegion.ReplicateKeyAsync(CallerOf(context), request.KeyId, request.ReplicaRegion, request.Policy, request.Description,
            request.Tags.Select(t => new Domain.Model.Tag(t.TagKey, t.TagValue)).ToList(), request.BypassPolicyLockoutSafetyCheck,
            context.CancellationToken).ConfigureAwait(false);
        var response = new ReplicateKeyResponse
        {
            ReplicaKeyMetadata = KeyMetadataMapper.ToMetadata(created.Replica, region),
            ReplicaPolicy = created.Policy,
        };
        response.ReplicaTags.AddRange(created.Tags.Select(t => new Tag { TagKey = t.TagKey, TagValue = t.TagValue }));
        return response;
    }

    public override async Task<UpdatePrimaryRegionResponse> UpdatePrimaryRegion(UpdatePrimaryRegionRequest request, ServerCallContext context)
    {
        await multiRegion.UpdatePrimaryRegionAsync(CallerOf(context), request.KeyId, request.PrimaryRegion, context.CancellationToken).ConfigureAwait(false);
        return new UpdatePrimaryRegionResponse();
    }
}
