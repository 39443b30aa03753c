using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>The outcome of checking the audit log: valid, or the first record where it stops being what was written.</summary>
public sealed record AuditVerification(bool Valid, long RecordsChecked, long DigestsChecked, long FirstBadSequence, string Problem);

/// <summary>
/// Recomputes the hash chain from the first record: a record edited, removed or moved breaks the chain at exactly that
/// place (sequence numbers must run 1, 2, 3, ... and each hash must be SHA-256(previous hash || json)). Then checks every
/// signed digest: each must verify and match the record it seals, so a removed tail or a rewritten chain shows too.
/// </summary>
public sealed class AuditVerifier(AuditStore store, AuditSigningKey signingKey, Domain.Model.RegionIdentity region)
{
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var hashes = new Dictionary<long, byte[]>();
        var chain = await VerifyChainAsync(hashes, cancellationToken).ConfigureAwait(false);
        var digests = await store.DigestsAsync(cancellationToken).ConfigureAwait(false);
        var key = await signingKey.GetAsync(cancellationToken).ConfigureAwait(false);
        var checkedDigests = 0L;
        foreach (var (sequence, hash, createdAt, signature) in digests)
        {
            if (!key.VerifyData(AuditDigest.SignedBytes(region.Region, sequence, hash, createdAt), signature, HashAlgorithmName.SHA384,
                    DSASignatureFormat.Rfc3279DerSequence))
            {
                return Worst(chain, new AuditVerification(false, chain.RecordsChecked, checkedDigests, sequence,
                    $"the digest sealing record {sequence} does not verify with this Region's audit signing key"));
            }

            if (!hashes.TryGetValue(sequence, out var recorded))
            {
                return Worst(chain, new AuditVerification(false, chain.RecordsChecked, checkedDigests, chain.RecordsChecked + 1,
                    $"record {chain.RecordsChecked + 1} is missing: the log ends at {chain.RecordsChecked} but a signed digest seals it up to {sequence}"));
            }

            if (!CryptographicOperations.FixedTimeEquals(recorded, hash))
            {
                return Worst(chain, new AuditVerification(false, chain.RecordsChecked, checkedDigests, sequence,
                    $"record {sequence} is not the one its signed digest sealed"));
            }

            checkedDigests++;
        }

        return chain with { DigestsChecked = checkedDigests };
    }

    /// <summary>Of two findings, the one at the earlier record (a valid chain yields to any digest finding).</summary>
    private static AuditVerification Worst(AuditVerification chain, AuditVerification digest) =>
        !chain.Valid && chain.FirstBadSequence <= digest.FirstBadSequence ? chain with { DigestsChecked = digest.DigestsChecked } : digest;

    private async Task<AuditVerification> VerifyChainAsync(Dictionary<long, byte[]> hashes, CancellationToken cancellationToken)
    {
        var expectedSequence = 1L;
        var previous = new byte[32];
        while (true)
        {
            var page = await store.ReadAsync(expectedSequence - 1, 2000, null, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return new AuditVerification(true, expectedSequence - 1, 0, 0, string.Empty);
            }

            foreach (var (sequence, json, hash) in page)
            {
                if (sequence != expectedSequence)
                {
                    return new AuditVerification(false, expectedSequence - 1, 0, expectedSequence,
                        $"record {expectedSequence} is missing (the next stored record is {sequence})");
                }

                var computed = AuditLog.Chain(previous, json);
                if (!CryptographicOperations.FixedTimeEquals(computed, hash))
                {
                    return new AuditVerification(false, expectedSequence - 1, 0, sequence,
                        $"record {sequence} does not match its hash: it was altered, or a record before it was removed or reordered");
                }

                hashes[sequence] = hash;
                previous = hash;
                expectedSequence++;
            }
        }
    }
}
