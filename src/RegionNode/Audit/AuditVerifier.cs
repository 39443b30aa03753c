using System.Security.Cryptography;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>The outcome of checking the audit log: valid, or the first record where it stops being what was written.</summary>
public sealed record AuditVerification(bool Valid, long RecordsChecked, long DigestsChecked, long FirstBadSequence, string Problem)
{
    /// <summary>Digests held elsewhere that seal records of a history this Region lost in a restore (see <see cref="AuditVerifier"/>).</summary>
    public long DigestsOfLostHistory { get; init; }
}

/// <summary>A signed digest as stored or as held elsewhere.</summary>
public sealed record SealedDigest(long Sequence, byte[] Hash, DateTimeOffset CreatedAt, byte[] Signature);

/// <summary>
/// Recomputes the hash chain from the first record: a record edited, removed or moved breaks the chain at exactly that
/// place (sequence numbers must run 1, 2, 3, ... and each hash must be SHA-256(previous hash || json)). Each signed
/// digest, the Region's own and those held apart from it, is checked when the walk reaches the record it seals: it must
/// verify and match that record, so a removed tail or a rewritten chain shows too, and with digests held elsewhere even
/// when the Region's own digests were removed along with the records. Records and the Region's digests are read a
/// page at a time, so a check holds one page of each in memory however long the log is.
/// </summary>
public sealed class AuditVerifier(AuditStore store, AuditSigningKey signingKey, Domain.Model.RegionIdentity region)
{
    /// <summary>The record a restore writes at the end of the restored log, sealed at once by a digest of its own.</summary>
    public const string RestoreEvent = "RestoreRegion";

    private const int PageSize = 2000;

    /// <summary>
    /// Checks the log; <paramref name="heldElsewhere"/> are copies of its digests kept apart from the Region, checked under
    /// <paramref name="heldElsewhereKey"/> (SubjectPublicKeyInfo), which must be the Region's own key.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(IReadOnlyList<SealedDigest> heldElsewhere, byte[]? heldElsewhereKey, CancellationToken cancellationToken)
    {
        var key = await signingKey.GetAsync(cancellationToken).ConfigureAwait(false);
        if (heldElsewhereKey is not null && !heldElsewhereKey.AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            return new AuditVerification(false, 0, 0, 1,
                "this Region's audit signing key is not the one its digests held elsewhere were signed with: its log and key were replaced");
        }

        var sources = new[] { new DigestCursor(store, null), new DigestCursor(null, heldElsewhere.OrderBy(d => d.Sequence).ToList()) };
        var expectedSequence = 1L;
        var previous = new byte[32];
        var checkedDigests = 0L;
        var lostHistory = 0L;
        (long Sequence, DateTimeOffset At)? restore = null;
        while (true)
        {
            var page = await store.ReadAsync(expectedSequence - 1, PageSize, null, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var (sequence, json, hash) in page)
            {
                if (sequence != expectedSequence)
                {
                    return new AuditVerification(false, expectedSequence - 1, checkedDigests, expectedSequence,
                        $"record {expectedSequence} is missing (the next stored record is {sequence})");
                }

                if (!CryptographicOperations.FixedTimeEquals(AuditLog.Chain(previous, json), hash))
                {
                    return new AuditVerification(false, expectedSequence - 1, checkedDigests, sequence,
                        $"record {sequence} does not match its hash: it was altered, or a record before it was removed or reordered");
                }

                // Every digest sealing a record up to this one: it must verify, and seal exactly this record's hash.
                foreach (var digests in sources)
                {
                    while (await digests.PeekAsync(cancellationToken).ConfigureAwait(false) is { } digest && digest.Sequence <= sequence)
                    {
                        if (digests.HeldElsewhere && OfLostHistory(digest, restore))
                        {
                            lostHistory++;
                            digests.Advance();
                            continue;
                        }

                        if (!Verifies(key, digest))
                        {
                            return new AuditVerification(false, sequence, checkedDigests, digest.Sequence,
                                $"the digest {digests.Where} sealing record {digest.Sequence} does not verify with this Region's audit signing key");
                        }

                        if (digest.Sequence != sequence || !CryptographicOperations.FixedTimeEquals(digest.Hash, hash))
                        {
                            return new AuditVerification(false, sequence, checkedDigests, digest.Sequence,
                                $"record {digest.Sequence} is not the one the signed digest {digests.Where} sealed");
                        }

                        checkedDigests++;
                        digests.Advance();
                        if (!digests.HeldElsewhere && digest.Sequence == sequence && RestoredAt(json) is { } restoredAt)
                        {
                            // A restore, sealed by this Region's own signed digest: what copies elsewhere sealed after the
                            // backup, before the restore, belongs to the history the restore replaced.
                            restore = (sequence, restoredAt);
                        }
                    }
                }

                previous = hash;
                expectedSequence++;
            }
        }

        var recordsChecked = expectedSequence - 1;
        foreach (var digests in sources)
        {
            while (digests.HeldElsewhere && await digests.PeekAsync(cancellationToken).ConfigureAwait(false) is { } lost && OfLostHistory(lost, restore))
            {
                lostHistory++;
                digests.Advance();
            }

            if (await digests.PeekAsync(cancellationToken).ConfigureAwait(false) is { } beyond)
            {
                return !Verifies(key, beyond)
                    ? new AuditVerification(false, recordsChecked, checkedDigests, beyond.Sequence,
                        $"the digest {digests.Where} sealing record {beyond.Sequence} does not verify with this Region's audit signing key")
                    : new AuditVerification(false, recordsChecked, checkedDigests, recordsChecked + 1,
                        $"record {recordsChecked + 1} is missing: the log ends at {recordsChecked} but a signed digest {digests.Where} seals it up to {beyond.Sequence}");
            }
        }

        return new AuditVerification(true, recordsChecked, checkedDigests, 0, string.Empty) { DigestsOfLostHistory = lostHistory };
    }

    /// <summary>A digest held elsewhere, made before the restore, sealing a record at or after the restore's place in the log.</summary>
    private static bool OfLostHistory(SealedDigest digest, (long Sequence, DateTimeOffset At)? restore) =>
        restore is { } r && digest.Sequence >= r.Sequence && digest.CreatedAt < r.At;

    /// <summary>The time of a restore's record; null for any other record.</summary>
    private static DateTimeOffset? RestoredAt(string json)
    {
        if (!json.Contains(RestoreEvent, StringComparison.Ordinal))
        {
            return null;
        }

        using var record = System.Text.Json.JsonDocument.Parse(json);
        return record.RootElement.TryGetProperty("eventName", out var name) && name.GetString() == RestoreEvent
               && record.RootElement.TryGetProperty("eventType", out var type) && type.GetString() == Domain.Ports.AuditEvent.ServiceEvent
               && record.RootElement.TryGetProperty("eventTime", out var time) && time.TryGetDateTimeOffset(out var at)
            ? at
            : null;
    }

    private bool Verifies(ECDsa key, SealedDigest digest) =>
        AuditDigestSignature.Verifies(key, region.Region, digest.Sequence, digest.Hash, digest.CreatedAt, digest.Signature);

    /// <summary>Digests in sequence order: the store's, read a page at a time, or a list held elsewhere.</summary>
    private sealed class DigestCursor(AuditStore? store, IReadOnlyList<SealedDigest>? list)
    {
        private IReadOnlyList<SealedDigest> _page = list ?? [];
        private int _index;
        private long _after;
        private bool _exhausted = list is not null;

        public string Where => store is null ? "held elsewhere" : "in the Region's store";

        public bool HeldElsewhere => store is null;

        public async Task<SealedDigest?> PeekAsync(CancellationToken cancellationToken)
        {
            if (_index >= _page.Count && !_exhausted)
            {
                _page = await store!.DigestsAsync(_after, PageSize, cancellationToken).ConfigureAwait(false);
                _index = 0;
                _exhausted = _page.Count < PageSize;
            }

            return _index < _page.Count ? _page[_index] : null;
        }

        public void Advance() => _after = _page[_index++].Sequence;
    }
}
