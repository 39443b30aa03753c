extern alias ServiceBases;

using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>Principals and API keys of this Region (operators only; see <see cref="CallerAuthentication"/>).</summary>
public sealed class PrincipalAdminApi(PrincipalOperations principals, AccessKeyOperations accessKeys) : ServiceBases::Grpc.Mrk.Admin.V1.PrincipalAdmin.PrincipalAdminBase
{
    public override async Task<PrincipalEntry> CreatePrincipal(CreatePrincipalRequest request, ServerCallContext context)
    {
        var type = request.Type switch
        {
            "" or "user" => PrincipalType.User,
            "role" => PrincipalType.Role,
            _ => throw KmsErrors.Validation("type must be \"user\" or \"role\"."),
        };
        return ToEntry(await principals.CreatePrincipalAsync(CallerAuthentication.CallerOf(context), request.Name, type, context.CancellationToken).ConfigureAwait(false));
    }

    public override async Task<ListPrincipalsResponse> ListPrincipals(ListPrincipalsRequest request, ServerCallContext context) =>
        new() { Principals = { (await principals.ListPrincipalsAsync(context.CancellationToken).ConfigureAwait(false)).Select(ToEntry) } };

    public override async Task<DeletePrincipalResponse> DeletePrincipal(DeletePrincipalRequest request, ServerCallContext context)
    {
        await principals.DeletePrincipalAsync(CallerAuthentication.CallerOf(context), request.PrincipalArn, context.CancellationToken).ConfigureAwait(false);
        return new DeletePrincipalResponse();
    }

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var issued = await principals.CreateApiKeyAsync(CallerAuthentication.CallerOf(context), request.PrincipalArn, context.CancellationToken).ConfigureAwait(false);
        return new CreateApiKeyResponse { KeyId = issued.KeyId, PrincipalArn = issued.PrincipalArn, Token = issued.Token };
    }

    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        var keys = await principals.ListApiKeysAsync(request.PrincipalArn, context.CancellationToken).ConfigureAwait(false);
        return new ListApiKeysResponse
        {
            ApiKeys =
            {
                keys.Select(k => new ApiKeyEntry
                {
                    KeyId = k.KeyId, PrincipalArn = k.PrincipalArn, CreatedAt = Timestamp.FromDateTimeOffset(k.CreatedAt),
                    RevokedAt = k.RevokedAt is { } revoked ? Timestamp.FromDateTimeOffset(revoked) : null,
                }),
            },
        };
    }

    public override async Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        await principals.RevokeApiKeyAsync(CallerAuthentication.CallerOf(context), request.KeyId, context.CancellationToken).ConfigureAwait(false);
        return new RevokeApiKeyResponse();
    }

    public override async Task<CreateAccessKeyResponse> CreateAccessKey(CreateAccessKeyRequest request, ServerCallContext context)
    {
        var issued = await accessKeys.CreateAsync(CallerAuthentication.CallerOf(context), request.PrincipalArn, context.CancellationToken).ConfigureAwait(false);
        return new CreateAccessKeyResponse { AccessKeyId = issued.AccessKeyId, SecretAccessKey = issued.SecretAccessKey, PrincipalArn = issued.PrincipalArn };
    }

    public override async Task<ListAccessKeysResponse> ListAccessKeys(ListAccessKeysRequest request, ServerCallContext context)
    {
        var keys = await accessKeys.ListAsync(request.PrincipalArn, context.CancellationToken).ConfigureAwait(false);
        return new ListAccessKeysResponse
        {
            AccessKeys =
            {
                keys.Select(k => new AccessKeyEntry
                {
                    AccessKeyId = k.AccessKeyId, PrincipalArn = k.PrincipalArn, CreatedAt = Timestamp.FromDateTimeOffset(k.CreatedAt),
                    RevokedAt = k.RevokedAt is { } revoked ? Timestamp.FromDateTimeOffset(revoked) : null,
                }),
            },
        };
    }

    public override async Task<RevokeAccessKeyResponse> RevokeAccessKey(RevokeAccessKeyRequest request, ServerCallContext context)
    {
        await accessKeys.RevokeAsync(CallerAuthentication.CallerOf(context), request.AccessKeyId, context.CancellationToken).ConfigureAwait(false);
        return new RevokeAccessKeyResponse();
    }

    private static PrincipalEntry ToEntry(Principal principal) => new()
    {
        Arn = principal.Arn, Name = principal.Name, Type = principal.Type == PrincipalType.User ? "user" : "role",
        CreatedAt = Timestamp.FromDateTimeOffset(principal.CreatedAt), PrincipalId = principal.PrincipalId,
    };
}
