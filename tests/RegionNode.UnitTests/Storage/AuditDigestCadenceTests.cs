using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// Digests seal the log every 1,000 records but at most once a second, and every minute with new records, also when no
/// record follows the tail.
/// </summary>
public sealed class AuditDigestCadenceTests
{
    [Fact]
    public async Task ABurstIsSealedOnceItsSecondIsOver_AndAQuietTailWithinTheMinute()
    {
        using var temp = new TempStore();
        for (var i = 0; i < 2500; i++)
        {
            temp.AuditLog.Record(new AuditEvent("GenerateRandom", AuditEvent.ApiCall, "arn:aws:iam::111122223333:user/alice", null, true,
                new Dictionary<string, object?>()));
        }

        Assert.Equal(2500, (await temp.AuditedAsync("GenerateRandom")).Count);
        Assert.Empty(await DigestsAsync(temp));

        // No record follows the burst: its second passing alone seals it, once.
        temp.Clock.Advance(AuditLog.DigestAtMostEvery);
        await Eventually.TrueAsync(async () => (await DigestsAsync(temp)).Count == 1, TimeSpan.FromSeconds(20), "the burst's digest");
        Assert.Equal(2500L, (await DigestsAsync(temp))[0].Sequence);

        // One record: sealed by the minute rule (not the second's), again with nothing after it. The clock moves a second,
        // then the rest of the minute: the digest's own time shows which rule sealed it.
        temp.AuditLog.Record(new AuditEvent("Encrypt", AuditEvent.ApiCall, "arn:aws:iam::111122223333:user/alice", null, true, new Dictionary<string, object?>()));
        Assert.Single(await temp.AuditedAsync("Encrypt"));
        temp.Clock.Advance(AuditLog.DigestAtMostEvery);
        temp.Clock.Advance(AuditLog.DigestEvery - AuditLog.DigestAtMostEvery);
        await Eventually.TrueAsync(async () => (await DigestsAsync(temp)).Count == 2, TimeSpan.FromSeconds(20), "the quiet tail's digest");
        var digests = await DigestsAsync(temp);
        Assert.Equal(2501L, digests[1].Sequence);
        Assert.True(digests[1].CreatedAt - digests[0].CreatedAt >= AuditLog.DigestEvery, $"sealed {digests[1].CreatedAt - digests[0].CreatedAt} after the first");
    }

    private static Task<IReadOnlyList<SealedDigest>> DigestsAsync(TempStore temp) => temp.AuditRecords.DigestsAsync(0, 100, CancellationToken.None);
}
