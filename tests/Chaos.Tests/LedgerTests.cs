namespace Grpc.Mrk.Chaos.Tests;

/// <summary>What an iteration's checks cover: what its calls touched, and the other sets in turn.</summary>
public sealed class LedgerTests
{
    [Fact]
    public void TakeForCheck_TouchedSets_ThenTheOthersInTurn_AndTouchesAreTakenOnce()
    {
        var ledger = new Ledger();
        var sets = Enumerable.Range(1, 6).Select(i => new KeySet($"mrk-{i}", SetKind.Symmetric, "us-east-1") { Ordinal = i }).ToList();
        foreach (var set in sets)
        {
            ledger.Sets[set.KeyId] = set;
        }

        ledger.CountAcknowledged("us-east-1", "RotateKeyOnDemand", "mrk-5");
        ledger.CountUnanswered("eu-west-1", "ReplicateKey", "mrk-6");
        ledger.CountAcknowledged("us-east-1", "CreateAlias", "not-a-set");

        // The touched two, and two of the four others, starting at the first.
        Assert.Equal(["mrk-1", "mrk-2", "mrk-5", "mrk-6"], ledger.TakeForCheck(untouched: 2).Select(s => s.KeyId));

        // Nothing touched since: the next two in turn, then the last two, then round again.
        Assert.Equal(["mrk-3", "mrk-4"], ledger.TakeForCheck(untouched: 2).Select(s => s.KeyId));
        Assert.Equal(["mrk-5", "mrk-6"], ledger.TakeForCheck(untouched: 2).Select(s => s.KeyId));
        Assert.Equal(["mrk-1", "mrk-2"], ledger.TakeForCheck(untouched: 2).Select(s => s.KeyId));

        // More others asked than exist: each set once.
        Assert.Equal(sets.Select(s => s.KeyId), ledger.TakeForCheck(untouched: 10).Select(s => s.KeyId));
    }
}
