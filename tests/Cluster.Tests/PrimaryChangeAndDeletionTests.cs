using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>UpdatePrimaryRegion and every multi-Region deletion path, with DescribeKey checked in every Region.</summary>
public sealed class PrimaryChangeAndDeletionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task UpdatePrimaryRegion_DesignationMoves_StatesRestored_NewPrimaryRulesTheSet()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var ciphertext = await cluster.EncryptAsync(East, key.KeyId, "across the hand-off");

        await Errors.ExpectAsync("NotFoundException", cluster.Kms(East).UpdatePrimaryRegionAsync(
            new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = "eu-central-1" }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("UnsupportedOperationException", cluster.Kms(West).UpdatePrimaryRegionAsync(
            new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = Sydney }, deadline: Deadline.Soon));
        await cluster.Kms(Sydney).DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        // The replica reports its own state to the primary, which refuses a hand-off to a replica it knows is not Enabled.
        await cluster.QuiescentAsync();
        await Errors.ExpectAsync("DisabledException", cluster.Kms(East).UpdatePrimaryRegionAsync(
            new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = Sydney }, deadline: Deadline.Soon));
        Assert.Equal(KeyState.Enabled, (await cluster.DescribeAsync(East, key.KeyId)).KeyState);
        await cluster.Kms(Sydney).EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();

        await cluster.Kms(East).UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = West },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        foreach (var region in Regions)
        {
            var metadata = await cluster.UntilAsync(region, key.KeyId, m => m.MultiRegionConfiguration.PrimaryKey.Region == West && m.KeyState == KeyState.Enabled);
            Assert.Equal(region == West ? MultiRegionKeyType.Primary : MultiRegionKeyType.Replica, metadata.MultiRegionConfiguration.MultiRegionKeyType);
            Assert.Equal([Sydney, East], metadata.MultiRegionConfiguration.ReplicaKeys.Select(r => r.Region).Order());
            Assert.Equal("across the hand-off", await cluster.DecryptTextAsync(region, ciphertext));
        }

        // Only the new primary replicates, rotates and hands off now.
        await Errors.ExpectAsync("UnsupportedOperationException", cluster.Kms(East).RotateKeyOnDemandAsync(
            new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("UnsupportedOperationException", cluster.Kms(East).UpdatePrimaryRegionAsync(
            new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = Sydney }, deadline: Deadline.Soon));
        var original = (await cluster.DescribeAsync(West, key.KeyId)).CurrentKeyMaterialId;
        await cluster.Kms(West).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        foreach (var region in Regions)
        {
            await cluster.UntilAsync(region, key.KeyId, m => m.CurrentKeyMaterialId != original);
        }
    }

    [Fact]
    public async Task UpdatePrimaryRegion_NeedsThePermissionOnTheReplicaToo_ItsOwnRegionDecides()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West);
        const string root = "arn:aws:iam::111122223333:root";
        string Policy(string effect) => $$"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"{{root}}"},"Action":"kms:*","Resource":"*"},
              {"Effect":"{{effect}}","Principal":"*","Action":"kms:UpdatePrimaryRegion","Resource":"*"}]}
            """;
        await cluster.Kms(West).PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy("Deny") }, deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout();

        // The primary's policy allows it, so the call is accepted; the replica's Region refuses under its own policy and
        // hands the role straight back: the primary stays where it was, and West records the refusal.
        await cluster.Kms(East).UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = West },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await cluster.UntilAsync(East, key.KeyId, m => m.KeyState == KeyState.Enabled && m.MultiRegionConfiguration.MultiRegionKeyType == MultiRegionKeyType.Primary);
        await cluster.QuiescentAsync();
        foreach (var region in new[] { East, West })
        {
            Assert.Equal(East, (await cluster.DescribeAsync(region, key.KeyId)).MultiRegionConfiguration.PrimaryKey.Region);
        }

        await Eventually.TrueAsync(async () =>
        {
            var records = (ListAuditRecordsResponse)await cluster[West].Client.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { EventName = "UpdatePrimaryRegion", Limit = 100 }).WithTimeout();
            return records.Records.Any(r => r.Json.Contains("AccessDeniedException", StringComparison.Ordinal) && r.Json.Contains(root, StringComparison.Ordinal));
        });

        // Once West's policy allows it, the same call moves the primary.
        await cluster.Kms(West).PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy("Allow") }, deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout();
        await cluster.Kms(East).UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = West },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        foreach (var region in new[] { East, West })
        {
            await cluster.UntilAsync(region, key.KeyId, m => m.MultiRegionConfiguration.PrimaryKey.Region == West && m.KeyState == KeyState.Enabled);
        }
    }

    [Fact]
    public async Task UpdatePrimaryRegion_TargetDown_OldPrimaryUpdatingAndStillServing_CompletesWhenTargetReturns()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);

        await cluster.KillRegionAsync(West);
        await cluster.Kms(East).UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = West },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        var updating = await cluster.DescribeAsync(East, key.KeyId);
        Assert.Equal(KeyState.Updating, updating.KeyState);
        Assert.False(updating.Enabled);
        Assert.Equal(MultiRegionKeyType.Replica, updating.MultiRegionConfiguration.MultiRegionKeyType);
        await Errors.ExpectAsync("KMSInvalidStateException", cluster.Kms(East).DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
        var during = await cluster.EncryptAsync(East, key.KeyId, "while updating");
        Assert.Equal("while updating", await cluster.DecryptTextAsync(Sydney, during));
        await AtMostOnePrimaryAsync(cluster, key.KeyId, [East, Sydney]);

        await cluster.StartRegionAsync(West);
        foreach (var region in Regions)
        {
            await cluster.UntilAsync(region, key.KeyId, m => m.MultiRegionConfiguration.PrimaryKey.Region == West && m.KeyState == KeyState.Enabled);
        }

        await AtMostOnePrimaryAsync(cluster, key.KeyId, Regions);
        Assert.Equal("while updating", await cluster.DecryptTextAsync(West, during));
    }

    [Fact]
    public async Task Deletion_ReplicaAlone_PrimaryWaitsForReplicas_ThenItsWindowStarts()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var ciphertext = await cluster.EncryptAsync(Sydney, key.KeyId, "outlives a replica");

        // A replica's deletion is its own; when it really happens the others stop listing it.
        var scheduled = await cluster.Kms(West).ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal(KeyState.PendingDeletion, scheduled.KeyState);
        Assert.NotNull(scheduled.DeletionDate);
        Assert.Equal(KeyState.Enabled, (await cluster.DescribeAsync(East, key.KeyId)).KeyState);
        await cluster[West].AdvanceClockAsync(TimeSpan.FromDays(8));
        await Eventually.TrueAsync(async () => await NotFoundAsync(cluster, West, key.KeyId));
        foreach (var region in new[] { East, Sydney })
        {
            await cluster.UntilAsync(region, key.KeyId, m => m.MultiRegionConfiguration.ReplicaKeys.Select(r => r.Region).SequenceEqual(region == East ? [Sydney] : [Sydney]));
        }

        // Replicating into that Region again recreates the replica with every version (AWS's recovery path).
        await cluster.ReplicateAsync(East, key.KeyId, West);
        Assert.Equal("outlives a replica", await cluster.DecryptTextAsync(West, ciphertext));

        // The primary with replicas waits, without a deletion date, and keeps its replicas working.
        var primary = await cluster.Kms(East).ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal(KeyState.PendingReplicaDeletion, primary.KeyState);
        Assert.Null(primary.DeletionDate);
        var waiting = await cluster.DescribeAsync(East, key.KeyId);
        Assert.Equal(7, waiting.PendingDeletionWindowInDays);
        Assert.Null(waiting.DeletionDate);
        await Errors.ExpectAsync("KMSInvalidStateException", cluster.Kms(East).DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, deadline: Deadline.Soon));
        Assert.Equal("outlives a replica", await cluster.DecryptTextAsync(Sydney, ciphertext));

        // Cancel leaves it Disabled; schedule again, then delete both replicas.
        await cluster.Kms(East).CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal(KeyState.Disabled, (await cluster.DescribeAsync(East, key.KeyId)).KeyState);
        await cluster.Kms(East).ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        foreach (var region in new[] { West, Sydney })
        {
            await cluster.Kms(region).ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 },
                deadline: Deadline.Soon).ResponseAsync.WithTimeout();
            await cluster[region].AdvanceClockAsync(TimeSpan.FromDays(8));
        }

        var pending = await cluster.UntilAsync(East, key.KeyId, m => m.KeyState == KeyState.PendingDeletion);
        Assert.Empty(pending.MultiRegionConfiguration.ReplicaKeys);
        Assert.NotNull(pending.DeletionDate);
        await cluster[East].AdvanceClockAsync(TimeSpan.FromDays(8));
        await Eventually.TrueAsync(async () => await NotFoundAsync(cluster, East, key.KeyId));
    }

    private static async Task AtMostOnePrimaryAsync(ThreeRegionCluster cluster, string keyId, IEnumerable<string> regions)
    {
        var primaries = new List<string>();
        foreach (var region in regions)
        {
            if ((await cluster.DescribeAsync(region, keyId)).MultiRegionConfiguration.MultiRegionKeyType == MultiRegionKeyType.Primary)
            {
                primaries.Add(region);
            }
        }

        Assert.True(primaries.Count <= 1, $"two primaries: {string.Join(", ", primaries)}");
    }

    private static async Task<bool> NotFoundAsync(ThreeRegionCluster cluster, string region, string keyId)
    {
        try
        {
            await cluster.DescribeAsync(region, keyId);
            return false;
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
        {
            return true;
        }
    }
}
