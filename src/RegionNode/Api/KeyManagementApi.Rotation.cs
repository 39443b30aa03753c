using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

public sealed partial class KeyManagementApi
{
    public override async Task<EnableKeyRotationResponse> EnableKeyRotation(EnableKeyRotationRequest request, ServerCallContext context)
    {
        await rotation.EnableKeyRotationAsync(CallerOf(context), request.KeyId, request.HasRotationPeriodInDays ? request.RotationPeriodInDays : null,
            context.CancellationToken).ConfigureAwait(false);
        return new EnableKeyRotationResponse();
    }

    public override async Task<DisableKeyRotationResponse> DisableKeyRotation(DisableKeyRotationRequest request, ServerCallContext context)
    {
        await rotation.DisableKeyRotationAsync(CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        return new DisableKeyRotationResponse();
    }

    public override async Task<GetKeyRotationStatusResponse> GetKeyRotationStatus(GetKeyRotationStatusRequest request, ServerCallContext context)
    {
        var status = await rotation.GetKeyRotationStatusAsync(CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        var response = new GetKeyRotationStatusResponse
        {
            KeyId = status.KeyArn,
            KeyRotationEnabled = status.Enabled,
            NextRotationDate = KeyMetadataMapper.ToTimestamp(status.NextRotationDate),
            OnDemandRotationStartDate = KeyMetadataMapper.ToTimestamp(status.OnDemandRotationStartDate),
        };
        if (status.PeriodInDays is { } period)
        {
            response.RotationPeriodInDays = period;
        }

        return response;
    }

    public override async Task<RotateKeyOnDemandResponse> RotateKeyOnDemand(RotateKeyOnDemandRequest request, ServerCallContext context)
    {
        var arn = await rotation.RotateKeyOnDemandAsync(CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        return new RotateKeyOnDemandResponse { KeyId = arn };
    }

    public override async Task<ListKeyRotationsResponse> ListKeyRotations(ListKeyRotationsRequest request, ServerCallContext context)
    {
        var include = ProtoEnums.ToDomain<V1.IncludeKeyMaterial, Domain.Specs.IncludeKeyMaterial>(request.IncludeKeyMaterial, "includeKeyMaterial");
        var (key, page) = await rotation.ListKeyRotationsAsync(CallerOf(context), request.KeyId, include, request.HasLimit ? request.Limit : null,
            request.Marker, context.CancellationToken).ConfigureAwait(false);
        var response = new ListKeyRotationsResponse { Truncated = page.Truncated, NextMarker = page.NextMarker ?? string.Empty };
        response.Rotations.AddRange(page.Items.Select(m => new RotationsListEntry
        {
            KeyId = key.Arn,
            KeyMaterialId = m.MaterialId,
            RotationDate = m.RotationType is null ? null : KeyMetadataMapper.ToTimestamp(m.CreatedAt),
            RotationType = m.RotationType is { } type ? ProtoEnums.ToProto<Domain.Specs.RotationType, V1.RotationType>(type) : V1.RotationType.Unspecified,
            KeyMaterialState = ProtoEnums.ToProto<Domain.Specs.KeyMaterialState, V1.KeyMaterialState>(m.State),
        }.WithImport(key, m)));
        return response;
    }
}
