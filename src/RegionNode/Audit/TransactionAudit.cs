using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>The audit record a management call owes (<see cref="PendingAudit"/>), reserved for the stores to write inside the call's own transaction.</summary>
public sealed class TransactionAudit(AuditLog log) : ITransactionAudit
{
    public async Task<IPendingAuditRow?> ReserveAsync(ICallRecord? record, KmsKey? key, bool created, CancellationToken cancellationToken)
    {
        if (record is not PendingAudit { Written: false } pending)
        {
            return null;
        }

        if (key is not null && pending.Event.KeyArn is null)
        {
            pending.Event = pending.Event with { KeyArn = key.Arn };
        }

        if (key is not null && created && pending.Event.ResponseElements is null)
        {
            pending.Event = pending.Event with
            {
                ResponseElements = new Dictionary<string, object?>
                {
                    ["keyMetadata"] = new Dictionary<string, object?> { ["keyId"] = key.KeyId, ["arn"] = key.Arn },
                },
            };
        }

        return await log.ReserveAsync(pending, cancellationToken).ConfigureAwait(false);
    }
}
