extern alias ServiceBases;

using Grpc.Core;
using Grpc.Mrk.Messages;
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
public sealed class AuditLogApi(AuditStore store, AuditVerifier verifier, AuditSigningKey signingKey, Domain.Model.RegionIdentity region,
    Telemetry.NodeMetrics metrics)
    : ServiceBases::Grpc.Mrk.V1.AuditLog.AuditLogBase
{
    public override async Task<ListAuditRecordsResponse> ListAuditRecords(ListAuditRecordsRequest request, ServerCallContext context)
    {
        RequireOperator(context);
        var limit = request.HasLimit ? request.Limit : 100;
        Domain.Validation.ParameterChecks.Range(limit, "limit", 1, 1000);
        var rows = await store.ReadAsync(Math.Max(0, request.AfterSequence), limit + 1,
            string.IsNullOrEmpty(request.EventName) ? null : request.EventName, context.CancellationToken).ConfigureAwait(false);
        var response = new ListAuditRecordsResponse { Truncated = rows.Count > limit };
        response.Records.AddRange(rows.Take(limit).Select(r => new AuditRecord { Sequence = r.Sequence, Json = r.Json, Hash = Convert.ToHexStringLower(r.Hash) }));
        return response;
    }

    public override async Task<VerifyAuditLogResponse> VerifyAuditLog(VerifyAuditLogRequest request, ServerCallContext context)
    {
        RequireOperator(context);
        var (heldElsewhere, key) = HeldElsewhere(request);
        var result = await verifier.VerifyAsync(heldElsewhere, key, context.CancellationToken).ConfigureAwait(false);
        metrics.AuditVerified(result.Valid);
        return new VerifyAuditLogResponse
        {
            Valid = result.Valid, RecordsChecked = result.RecordsChecked, DigestsChecked = result.DigestsChecked,
            FirstBadSequence = result.FirstBadSequence, Problem = result.Problem, DigestsOfLostHistory = result.DigestsOfLostHistory,
            DigestPublicKey = await signingKey.PublicKeyPemAsync(context.CancellationToken).ConfigureAwait(false),
        };
    }

    public override async Task<ListAuditDigestsResponse> ListAuditDigests(ListAuditDigestsRequest request, ServerCallContext context)
    {
        RequireOperator(context);
        var limit = request.HasLimit ? request.Limit : AuditDigests.MaxPerMessage;
        Domain.Validation.ParameterChecks.Range(limit, "limit", 1, AuditDigests.MaxPerMessage);
        var digests = await store.DigestsAsync(Math.Max(0, request.AfterSequence), limit + 1, context.CancellationToken).ConfigureAwait(false);
        var response = new ListAuditDigestsResponse
        {
            Region = region.Region, Truncated = digests.Count > limit,
            PublicKey = await signingKey.PublicKeyPemAsync(context.CancellationToken).ConfigureAwait(false),
        };
        response.Digests.AddRange(digests.Take(limit).Select(d => AuditDigests.ToMessage(d.Sequence, d.Hash, d.CreatedAt, d.Signature)));
        return response;
    }

    /// <summary>The digests held elsewhere that the request brings, and the public key they were checked under there.</summary>
    private static (IReadOnlyList<SealedDigest> Digests, byte[]? Key) HeldElsewhere(VerifyAuditLogRequest request)
    {
        if (request.Digests.Count == 0 && string.IsNullOrEmpty(request.PublicKey))
        {
            return ([], null);
        }

        if (request.Digests.Count > AuditDigests.MaxPerMessage)
        {
            throw Domain.Errors.KmsErrors.Constraint("digests", $"Member must have length less than or equal to {AuditDigests.MaxPerMessage}");
        }

        byte[] key;
        try
        {
            using var parsed = System.Security.Cryptography.ECDsa.Create();
            parsed.ImportFromPem(request.PublicKey);
            key = parsed.ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw Domain.Errors.KmsErrors.Validation("publicKey must be the PEM public key the digests were checked under (ECDSA P-384).");
        }

        var digests = new List<SealedDigest>(request.Digests.Count);
        foreach (var digest in request.Digests)
        {
            var parsed = AuditDigests.Parse(digest, out var problem) ?? throw Domain.Errors.KmsErrors.Validation($"digests: {problem}.");
            digests.Add(new SealedDigest(parsed.Sequence, parsed.Hash, parsed.CreatedAt, parsed.Signature));
        }

        return (digests, key);
    }

    private static void RequireOperator(ServerCallContext context)
    {
        if (CallerAuthentication.CallerOf(context).Type != CallerType.Operator)
        {
            throw Domain.Errors.KmsErrors.AccessDeniedTo("the audit log is read by operators only");
        }
    }
}
