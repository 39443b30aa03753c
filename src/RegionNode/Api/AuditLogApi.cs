using Grpc.Core;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Storage;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Lists and verifies this Region's audit log. The records hold no secrets but name every caller, key, encryption
/// context and policy, so only an operator reads them (declared in audit.proto; <see cref="CallerAuthentication"/>
/// admits no one else), and every read is itself recorded.
/// </summary>
public sealed class AuditLogApi(AuditStore store, AuditVerifier verifier, AuditSigningKey signingKey) : V1.AuditLog.AuditLogBase
{
    public override async Task<ListAuditRecordsResponse> ListAuditRecords(ListAuditRecordsRequest request, ServerCallContext context)
    {
        RequireOperator(context);
        var limit = request.HasLimit ? request.Limit : 100;
        Domain.Operations.Require.Range(limit, "limit", 1, 1000);
        var rows = await store.ReadAsync(Math.Max(0, request.AfterSequence), limit + 1,
            string.IsNullOrEmpty(request.EventName) ? null : request.EventName, context.CancellationToken).ConfigureAwait(false);
        var response = new ListAuditRecordsResponse { Truncated = rows.Count > limit };
        response.Records.AddRange(rows.Take(limit).Select(r => new AuditRecord { Sequence = r.Sequence, Json = r.Json, Hash = Convert.ToHexStringLower(r.Hash) }));
        return response;
    }

    public override async Task<VerifyAuditLogResponse> VerifyAuditLog(VerifyAuditLogRequest request, ServerCallContext context)
    {
        RequireOperator(context);
        var result = await verifier.VerifyAsync(context.CancellationToken).ConfigureAwait(false);
        return new VerifyAuditLogResponse
        {
            Valid = result.Valid, RecordsChecked = result.RecordsChecked, DigestsChecked = result.DigestsChecked,
            FirstBadSequence = result.FirstBadSequence, Problem = result.Problem,
            DigestPublicKey = await signingKey.PublicKeyPemAsync(context.CancellationToken).ConfigureAwait(false),
        };
    }

    private static void RequireOperator(ServerCallContext context)
    {
        if (CallerAuthentication.CallerOf(context).Type != CallerType.Operator)
        {
            throw Domain.Errors.KmsErrors.AccessDeniedTo("the audit log is read by operators only");
        }
    }
}
