using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>The outcome of checking the audit log: valid, or the first record where it stops being what was written.</summary>
public sealed record AuditVerification(bool Valid, long RecordsChecked, long FirstBadSequence, string Problem);

/// <summary>
/// Recomputes the hash chain from the first record: a record edited, removed or moved breaks the chain at exactly that
/// place (sequence numbers must run 1, 2, 3, ... and each hash must be SHA-256(previous hash || json)).
/// </summary>
public sealed class AuditVerifier(AuditStore store)
{
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var expectedSequence = 1L;
        var previous = new byte[32];
        while (true)
        {
            var page = await store.ReadAsync(expectedSequence - 1, 2000, null, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return new AuditVerification(true, expectedSequence - 1, 0, string.Empty);
            }

            foreach (var (sequence, json, hash) in page)
            {
                if (sequence != expectedSequence)
                {
                    return new AuditVerification(false, expectedSequence - 1, expectedSequence,
                        $"record {expectedSequence} is missing (the next stored record is {sequence})");
                }

                var computed = AuditLog.Chain(previous, json);
                if (!CryptographicOperations.FixedTimeEquals(computed, hash))
                {
                    return new AuditVerification(false, expectedSequence - 1, sequence,
                        $"record {sequence} does not match its hash: it was altered, or a record before it was removed or reordered");
                }

                previous = hash;
                expectedSequence++;
            }
        }
    }
}
