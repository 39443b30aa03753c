using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Audit;

/// <summary>
/// The record a restore leaves at the end of the restored log (event <see cref="AuditVerifier.RestoreEvent"/>: the
/// backup, when it was taken, its last record), sealed at once by a signed digest of its own. The seal is what lets
/// <see cref="AuditVerifier"/> tell the copies of digests held elsewhere that sealed the history the restore replaced
/// from a log cut short: only the holder of the audit signing key can make it.
/// </summary>
public static class AuditRestoreRecord
{
    /// <summary>Appends and seals the record; returns its sequence.</summary>
    public static async Task<long> AppendAsync(AuditStore store, AuditSigningKey signingKey, RegionIdentity region, DateTimeOffset now,
        string backupId, DateTimeOffset backupTakenAt, CancellationToken cancellationToken)
    {
        var (last, hash) = await store.TailAsync(cancellationToken).ConfigureAwait(false);
        var restored = new AuditEvent(AuditVerifier.RestoreEvent, AuditEvent.ServiceEvent, null, null, false, new Dictionary<string, object?>
        {
            ["backupId"] = backupId, ["backupTakenAt"] = backupTakenAt, ["lastRecordOfBackup"] = last,
        });
        // Whole milliseconds, as the record's eventTime and the digest's signed time carry it.
        var at = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        var (json, chained) = AuditRecordFormat.Chained(restored, region, at, Guid.NewGuid(), hash);
        await store.AppendAsync([(last + 1, json, chained)], new Dictionary<string, KeyLastUsage>(), cancellationToken).ConfigureAwait(false);
        var key = await signingKey.GetAsync(cancellationToken).ConfigureAwait(false);
        await store.AppendDigestAsync(last + 1, chained, at, AuditDigestSignature.Sign(key, region.Region, last + 1, chained, at), cancellationToken)
            .ConfigureAwait(false);
        return last + 1;
    }
}
