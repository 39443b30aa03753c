using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Paging;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

public sealed partial class KeyManagementApi
{
    public override async Task<CreateGrantResponse> CreateGrant(CreateGrantRequest request, ServerCallContext context)
    {
        var operations = request.Operations.Select(o => ProtoEnums.ToDomain<V1.GrantOperation, Domain.Specs.GrantOperation>(o, "operations")
            ?? throw Domain.Errors.KmsErrors.Constraint("operations", "Member must not contain UNSPECIFIED")).ToList();
        var (token, grantId) = await grants.CreateGrantAsync(CallerOf(context), new CreateGrantCommand(request.KeyId, request.GranteePrincipal, request.RetiringPrincipal,
            operations, request.Constraints?.EncryptionContextSubset ?? new Google.Protobuf.Collections.MapField<string, string>(),
            request.Constraints?.EncryptionContextEquals ?? new Google.Protobuf.Collections.MapField<string, string>(), request.GrantTokens,
            request.Name, request.DryRun), context.CancellationToken).ConfigureAwait(false);
        return new CreateGrantResponse { GrantToken = token, GrantId = grantId };
    }

    public override async Task<ListGrantsResponse> ListGrants(ListGrantsRequest request, ServerCallContext context)
    {
        var (key, page) = await grants.ListGrantsAsync(CallerOf(context), request.KeyId, request.GrantId, request.GranteePrincipal, request.HasLimit ? request.Limit : null,
            request.Marker, context.CancellationToken).ConfigureAwait(false);
        return GrantPage(page, _ => key.Arn);
    }

    public override async Task<ListGrantsResponse> ListRetirableGrants(ListRetirableGrantsRequest request, ServerCallContext context)
    {
        var page = await grants.ListRetirableGrantsAsync(CallerOf(context), request.RetiringPrincipal, request.HasLimit ? request.Limit : null, request.Marker,
            context.CancellationToken).ConfigureAwait(false);
        return GrantPage(page, region.KeyArn);
    }

    public override async Task<RetireGrantResponse> RetireGrant(RetireGrantRequest request, ServerCallContext context)
    {
        await grants.RetireGrantAsync(CallerOf(context), request.GrantToken, request.KeyId, request.GrantId, request.DryRun, context.CancellationToken).ConfigureAwait(false);
        return new RetireGrantResponse();
    }

    public override async Task<RevokeGrantResponse> RevokeGrant(RevokeGrantRequest request, ServerCallContext context)
    {
        await grants.RevokeGrantAsync(CallerOf(context), request.KeyId, request.GrantId, request.DryRun, context.CancellationToken).ConfigureAwait(false);
        return new RevokeGrantResponse();
    }

    private static ListGrantsResponse GrantPage(Page<Domain.Model.Grant> page, Func<string, string> keyArn)
    {
        var response = new ListGrantsResponse { Truncated = page.Truncated, NextMarker = page.NextMarker ?? string.Empty };
        foreach (var grant in page.Items)
        {
            var entry = new GrantListEntry
            {
                KeyId = keyArn(grant.KeyId), GrantId = grant.GrantId, Name = grant.Name, CreationDate = Timestamp.FromDateTimeOffset(grant.CreationDate),
                GranteePrincipal = grant.GranteePrincipal, RetiringPrincipal = grant.RetiringPrincipal ?? string.Empty, IssuingAccount = grant.IssuingAccount,
            };
            entry.Operations.AddRange(grant.Operations.Select(ProtoEnums.ToProto<Domain.Specs.GrantOperation, V1.GrantOperation>));
            if (grant.EncryptionContextSubset is not null || grant.EncryptionContextEquals is not null)
            {
                entry.Constraints = new GrantConstraints();
                entry.Constraints.EncryptionContextSubset.Add(grant.EncryptionContextSubset?.ToDictionary() ?? []);
                entry.Constraints.EncryptionContextEquals.Add(grant.EncryptionContextEquals?.ToDictionary() ?? []);
            }

            response.Grants.Add(entry);
        }

        return response;
    }
}
