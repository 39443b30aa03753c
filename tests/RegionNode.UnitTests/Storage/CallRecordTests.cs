using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// The audit record a call owes travels with its caller into the change, and the store commits it with the change:
/// handed over explicitly, never found through the call's async context.
/// </summary>
public sealed class CallRecordTests
{
    [Fact]
    public async Task AChangeMadeForACall_CommitsTheCallsRecordWithIt_AndOneWithoutARecord_WritesNone()
    {
        using var temp = new TempStore();
        var changes = temp.Changes;
        var key = await temp.Lifecycle.CreateKeyAsync(Caller.System,
            new CreateKeyCommand(string.Empty, "d", null, RegionNode.Domain.Specs.KeySpec.SYMMETRIC_DEFAULT, null, [], false, false), CancellationToken.None);

        var pending = new PendingAudit(new AuditEvent("DisableKey", AuditEvent.ApiCall, "arn:aws:iam::111122223333:user/alice", null, false, new Dictionary<string, object?>()));
        var caller = Caller.Principal("arn:aws:iam::111122223333:user/alice") with { Record = pending };
        using (var change = await changes.OpenAsync(key.KeyId, caller, CancellationToken.None))
        {
            change.Key!.Disable();
            await change.SaveAsync([], CancellationToken.None);
        }

        Assert.True(pending.Written);
        var written = Assert.Single(await temp.AuditedAsync("DisableKey"));
        Assert.Contains(key.Arn, written, StringComparison.Ordinal);

        using (var change = await changes.OpenAsync(key.KeyId, Caller.System, CancellationToken.None))
        {
            change.Key!.Enable();
            await change.SaveAsync([], CancellationToken.None);
        }

        Assert.Single(await temp.AuditedAsync("DisableKey"));
        Assert.Empty(await temp.AuditedAsync("EnableKey"));
    }
}
