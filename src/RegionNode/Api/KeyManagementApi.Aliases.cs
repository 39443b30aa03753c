using Grpc.Core;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

public sealed partial class KeyManagementApi
{
    public override async Task<CreateAliasResponse> CreateAlias(CreateAliasRequest request, ServerCallContext context)
    {
        await aliases.CreateAliasAsync(CallerOf(context), request.AliasName, request.TargetKeyId, context.CancellationToken).ConfigureAwait(false);
        return new CreateAliasResponse();
    }

    public override async Task<UpdateAliasResponse> UpdateAlias(UpdateAliasRequest request, ServerCallContext context)
    {
        await aliases.UpdateAliasAsync(CallerOf(context), request.AliasName, request.TargetKeyId, context.CancellationToken).ConfigureAwait(false);
        return new UpdateAliasResponse();
    }

    public override async Task<DeleteAliasResponse> DeleteAlias(DeleteAliasRequest request, ServerCallContext context)
    {
        await aliases.DeleteAliasAsync(CallerOf(context), request.AliasName, context.CancellationToken).ConfigureAwait(false);
        return new DeleteAliasResponse();
    }

    public override async Task<ListAliasesResponse> ListAliases(ListAliasesRequest request, ServerCallContext context)
    {
        var page = await aliases.ListAliasesAsync(CallerOf(context), request.KeyId, request.HasLimit ? request.Limit : null, request.Marker,
            context.CancellationToken).ConfigureAwait(false);
        var response = new ListAliasesResponse { Truncated = page.Truncated, NextMarker = page.NextMarker ?? string.Empty };
        response.Aliases.AddRange(page.Items.Select(a => new AliasListEntry
        {
            AliasName = a.AliasName,
            AliasArn = region.AliasArn(a.AliasName),
            TargetKeyId = a.TargetKeyId,
            CreationDate = KeyMetadataMapper.ToTimestamp(a.CreationDate),
            LastUpdatedDate = KeyMetadataMapper.ToTimestamp(a.LastUpdatedDate),
        }));
        return response;
    }

    public override async Task<TagResourceResponse> TagResource(TagResourceRequest request, ServerCallContext context)
    {
        await tags.TagResourceAsync(CallerOf(context), request.KeyId, request.Tags.Select(t => new Domain.Model.Tag(t.TagKey, t.TagValue)).ToList(),
            context.CancellationToken).ConfigureAwait(false);
        return new TagResourceResponse();
    }

    public override async Task<UntagResourceResponse> UntagResource(UntagResourceRequest request, ServerCallContext context)
    {
        await tags.UntagResourceAsync(CallerOf(context), request.KeyId, request.TagKeys, context.CancellationToken).ConfigureAwait(false);
        return new UntagResourceResponse();
    }

    public override async Task<ListResourceTagsResponse> ListResourceTags(ListResourceTagsRequest request, ServerCallContext context)
    {
        var page = await tags.ListResourceTagsAsync(CallerOf(context), request.KeyId, request.HasLimit ? request.Limit : null, request.Marker,
            context.CancellationToken).ConfigureAwait(false);
        var response = new ListResourceTagsResponse { Truncated = page.Truncated, NextMarker = page.NextMarker ?? string.Empty };
        response.Tags.AddRange(page.Items.Select(t => new V1.Tag { TagKey = t.TagKey, TagValue = t.TagValue }));
        return response;
    }

    public override async Task<PutKeyPolicyResponse> PutKeyPolicy(PutKeyPolicyRequest request, ServerCallContext context)
    {
        await policies.PutKeyPolicyAsync(CallerOf(context), request.KeyId, request.PolicyName, request.Policy, request.BypassPolicyLockoutSafetyCheck,
            context.CancellationToken).ConfigureAwait(false);
        return new PutKeyPolicyResponse();
    }

    public override async Task<GetKeyPolicyResponse> GetKeyPolicy(GetKeyPolicyRequest request, ServerCallContext context)
    {
        var policy = await policies.GetKeyPolicyAsync(CallerOf(context), request.KeyId, request.PolicyName, context.CancellationToken).ConfigureAwait(false);
        return new GetKeyPolicyResponse { Policy = policy, PolicyName = Domain.Operations.KeyPolicies.DefaultPolicyName };
    }

    public override async Task<ListKeyPoliciesResponse> ListKeyPolicies(ListKeyPoliciesRequest request, ServerCallContext context)
    {
        var page = await policies.ListKeyPoliciesAsync(CallerOf(context), request.KeyId, request.HasLimit ? request.Limit : null, request.Marker,
            context.CancellationToken).ConfigureAwait(false);
        var response = new ListKeyPoliciesResponse { Truncated = page.Truncated, NextMarker = page.NextMarker ?? string.Empty };
        response.PolicyNames.AddRange(page.Items);
        return response;
    }
}
