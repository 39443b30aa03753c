using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// A restored log: copies of digests held elsewhere that sealed the history the restore replaced are set apart, and
/// only when the restore's record is sealed by the Region's own signed digest; a log cut short without one fails.
/// </summary>
public sealed class AuditRestoreTests
{
    [Fact]
    public async Task DigestsOfTheReplacedHistory_AreSetApart_OnlyBehindASealedRestoreRecord()
    {
        using var temp = new TempStore();
        var verifier = temp.Get<AuditVerifier>();
        var signingKey = temp.Get<AuditSigningKey>();
        var publicKey = (await signingKey.GetAsync(CancellationToken.None)).ExportSubjectPublicKeyInfo();

        // The backup holds records 1-5, sealed; the lost history went on to 8 and was sealed there, a copy held elsewhere.
        await RecordAsync(temp, 5);
        var kept = await SealedUpToAsync(temp, 5);
        var backupTakenAt = temp.Clock.GetUtcNow();
        await RecordAsync(temp, 3);
        var lost = await SealedUpToAsync(temp, 8);
        var heldElsewhere = new[] { kept, lost };

        // The restore: the store goes back to record 5 (no digest after it), then records and seals itself as record 6.
        await CutBackToAsync(temp, 5);
        temp.Clock.Advance(TimeSpan.FromMinutes(5));
        var cutShort = await verifier.VerifyAsync(heldElsewhere, publicKey, CancellationToken.None);
        Assert.False(cutShort.Valid);

        await temp.AuditLog.StopAsync(CancellationToken.None);
        var restoreAt = await AuditRestoreRecord.AppendAsync(temp.AuditRecords, signingKey, temp.Region, temp.Clock.GetUtcNow(), "backup-1", backupTakenAt,
            CancellationToken.None);
        Assert.Equal(6, restoreAt);
        var restored = await verifier.VerifyAsync(heldElsewhere, publicKey, CancellationToken.None);
        Assert.True(restored.Valid, restored.Problem);
        Assert.Equal(1, restored.DigestsOfLostHistory);

        // The same record without its own seal (what someone with the store but not the signing key could write) excuses nothing.
        await CutBackToAsync(temp, 6, dropDigestAt: 6);
        var unsealed = await verifier.VerifyAsync(heldElsewhere, publicKey, CancellationToken.None);
        Assert.False(unsealed.Valid);
        Assert.Equal(0, unsealed.DigestsOfLostHistory);
    }

    private static async Task RecordAsync(TempStore temp, int count)
    {
        var before = (await temp.AuditedAsync()).Count;
        for (var i = 0; i < count; i++)
        {
            temp.AuditLog.Record(new AuditEvent("GenerateRandom", AuditEvent.ApiCall, "arn:aws:iam::111122223333:user/alice", null, true,
                new Dictionary<string, object?>()));
        }

        await Eventually.TrueAsync(async () => (await temp.AuditedAsync()).Count == before + count, TimeSpan.FromSeconds(20), "records written");
    }

    private static async Task<SealedDigest> SealedUpToAsync(TempStore temp, long sequence)
    {
        temp.Clock.Advance(AuditLog.DigestEvery);
        SealedDigest? found = null;
        await Eventually.TrueAsync(async () =>
        {
            found = (await temp.AuditRecords.DigestsAsync(0, 100, CancellationToken.None)).FirstOrDefault(d => d.Sequence == sequence);
            return found is not null;
        }, TimeSpan.FromSeconds(20), $"the digest sealing record {sequence}");
        return found!;
    }

    private static async Task CutBackToAsync(TempStore temp, long last, long? dropDigestAt = null)
    {
        await using var connection = await temp.Database.OpenForWriteAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM audit_records WHERE sequence > $last; DELETE FROM audit_digests WHERE sequence > $last OR sequence = $drop;";
        command.Parameters.AddWithValue("$last", last);
        command.Parameters.AddWithValue("$drop", dropDigestAt ?? -1);
        await command.ExecuteNonQueryAsync();
    }
}
