using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

public sealed partial class KeyManagementApi
{
    public override async Task<CreateKeyResponse> CreateKey(CreateKeyRequest request, ServerCallContext context)
    {
        var command = new CreateKeyCommand(
            request.Policy,
            request.Description,
            ProtoEnums.ToDomain<KeyUsageType, Domain.Specs.KeyUsage>(request.KeyUsage, "keyUsage"),
            ProtoEnums.ToDomain<V1.KeySpec, Domain.Specs.KeySpec>(request.KeySpec, "keySpec"),
            ProtoEnums.ToDomain<OriginType, KeyOrigin>(request.Origin, "origin"),
            request.Tags.Select(t => new Domain.Model.Tag(t.TagKey, t.TagValue)).ToList(),
            request.MultiRegion,
            request.BypassPolicyLockoutSafetyCheck);
        var key = await lifecycle.CreateKeyAsync(CallerOf(context), command, context.CancellationToken).ConfigureAwait(false);
        return new CreateKeyResponse { KeyMetadata = KeyMetadataMapper.ToMetadata(key, region) };
    }

    public override async Task<DescribeKeyResponse> DescribeKey(DescribeKeyRequest request, ServerCallContext context)
    {
        var key = await lifecycle.DescribeKeyAsync(CallerOf(context), request.KeyId, request.GrantTokens, context.CancellationToken).ConfigureAwait(false);
        return new DescribeKeyResponse { KeyMetadata = KeyMetadataMapper.ToMetadata(key, region) };
    }

    public override async Task<GetKeyLastUsageResponse> GetKeyLastUsage(GetKeyLastUsageRequest request, ServerCallContext context)
    {
        var report = await lifecycle.GetKeyLastUsageAsync(CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        var response = new GetKeyLastUsageResponse
        {
            KeyId = report.KeyId,
            TrackingStartDate = Timestamp.FromDateTimeOffset(report.TrackingStartDate),
            KeyCreationDate = Timestamp.FromDateTimeOffset(report.KeyCreationDate),
        };
        if (report.LastUsage is { } usage)
        {
            response.KeyLastUsage = new KeyLastUsage
            {
                Operation = System.Enum.TryParse<KeyLastUsageTrackingOperation>(usage.Operation, out var operation) ? operation : KeyLastUsageTrackingOperation.Unspecified,
                Timestamp = Timestamp.FromDateTimeOffset(usage.Timestamp),
                CloudTrailEventId = usage.EventId,
                KmsRequestId = usage.RequestId ?? string.Empty,
            };
        }

        return response;
    }

    public override async Task<ListKeysResponse> ListKeys(ListKeysRequest request, ServerCallContext context)
    {
        var page = await lifecycle.ListKeysAsync(CallerOf(context), request.HasLimit ? request.Limit : null, request.Marker, context.CancellationToken)
            .ConfigureAwait(false);
        var response = new ListKeysResponse { Truncated = page.Truncated, NextMarker = page.NextMarker ?? string.Empty };
        response.Keys.AddRange(page.Items.Select(id => new KeyListEntry { KeyId = id, KeyArn = region.KeyArn(id) }));
        return response;
    }

    public override async Task<UpdateKeyDescriptionResponse> UpdateKeyDescription(UpdateKeyDescriptionRequest request, ServerCallContext context)
    {
        await lifecycle.UpdateKeyDescriptionAsync(CallerOf(context), request.KeyId, request.Description, context.CancellationToken).ConfigureAwait(false);
        return new UpdateKeyDescriptionResponse();
    }

    public override async Task<EnableKeyResponse> EnableKey(EnableKeyRequest request, ServerCallContext context)
    {
        await lifecycle.EnableKeyAsync(CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        return new EnableKeyResponse();
    }

    public override async Task<DisableKeyResponse> DisableKey(DisableKeyRequest request, ServerCallContext context)
    {
        await lifecycle.DisableKeyAsync(CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        return new DisableKeyResponse();
    }

    public override async Task<ScheduleKeyDeletionResponse> ScheduleKeyDeletion(ScheduleKeyDeletionRequest request, ServerCallContext context)
    {
        var scheduled = await lifecycle.ScheduleKeyDeletionAsync(CallerOf(context), request.KeyId,
            request.HasPendingWindowInDays ? request.PendingWindowInDays : null, context.CancellationToken).ConfigureAwait(false);
        return new ScheduleKeyDeletionResponse
        {
            KeyId = scheduled.KeyArn,
            DeletionDate = KeyMetadataMapper.ToTimestamp(scheduled.DeletionDate),
            KeyState = ProtoEnums.ToProto<Domain.Specs.KeyState, V1.KeyState>(scheduled.KeyState),
            PendingWindowInDays = scheduled.PendingWindowInDays,
        };
    }

    public override async Task<CancelKeyDeletionResponse> CancelKeyDeletion(CancelKeyDeletionRequest request, ServerCallContext context)
    {
        var arn = await lifecycle.CancelKeyDeletionAsync(CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        return new CancelKeyDeletionResponse { KeyId = arn };
    }
}
