using Google.Protobuf;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>Enabling, disabling, deletion windows and rotation schedules coming due in a node of its own.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task ScheduleKeyDeletion_WindowEnds_KeyAndMaterialGoneFromStore()
    {
        await using var node = await InProcessRegionNode.StartAsync();
        var key = await node.CreateAsync();
        await node.Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/doomed", TargetKeyId = key.KeyId }, deadline: Deadline.Soon);
        var scheduled = await node.Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 },
            deadline: Deadline.Soon);
        Assert.Equal(key.Arn, scheduled.KeyId);
        Assert.Equal(KeyState.PendingDeletion, scheduled.KeyState);
        Assert.Equal(7, scheduled.PendingWindowInDays);
        Assert.InRange((scheduled.DeletionDate.ToDateTimeOffset() - DateTimeOffset.UtcNow).TotalDays, 6.9, 7.1);
        await Errors.ExpectAsync("KMSInvalidStateException", node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x"),
        }, deadline: Deadline.Soon));

        await node.AdvanceClockAsync(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => CountRows(node, "keys", key.KeyId) == 0);

        await Errors.ExpectAsync("NotFoundException", node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("NotFoundException", node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/doomed" }, deadline: Deadline.Soon));
        Assert.Equal(0, CountRows(node, "key_materials", key.KeyId));
        Assert.Equal(0, CountRows(node, "aliases", key.KeyId, "target_key_id"));
    }

    [Fact]
    public async Task CancelKeyDeletion_LeavesKeyDisabled_ThenEnableWorks()
    {
        await using var node = await InProcessRegionNode.StartAsync();
        var key = await node.CreateAsync();
        await node.Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
        var described = (await node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Equal(KeyState.PendingDeletion, described.KeyState);
        Assert.InRange((described.DeletionDate.ToDateTimeOffset() - DateTimeOffset.UtcNow).TotalDays, 29.9, 30.1);
        await Errors.ExpectAsync("KMSInvalidStateException", node.Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));

        var cancelled = await node.Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
        Assert.Equal(key.Arn, cancelled.KeyId);
        described = (await node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Equal(KeyState.Disabled, described.KeyState);
        Assert.Null(described.DeletionDate);
        await Errors.ExpectAsync("DisabledException", node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x"),
        }, deadline: Deadline.Soon));
        await node.Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
        await node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x") }, deadline: Deadline.Soon);
        await Errors.ExpectAsync("KMSInvalidStateException", node.Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", node.Kms.ScheduleKeyDeletionAsync(
            new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 6 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", node.Kms.ScheduleKeyDeletionAsync(
            new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 31 }, deadline: Deadline.Soon));
    }

    [Fact]
    public async Task AutomaticRotation_ComesDue_NewVersionEncryptsOldStillDecrypts()
    {
        await using var node = await InProcessRegionNode.StartAsync();
        var key = await node.CreateAsync();
        var old = await node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("before") }, deadline: Deadline.Soon);
        await node.Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 }, deadline: Deadline.Soon);
        var status = await node.Kms.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
        Assert.True(status.KeyRotationEnabled);
        Assert.Equal(90, status.RotationPeriodInDays);
        Assert.InRange((status.NextRotationDate.ToDateTimeOffset() - DateTimeOffset.UtcNow).TotalDays, 89.9, 90.1);

        await node.AdvanceClockAsync(TimeSpan.FromDays(91));
        await Eventually.TrueAsync(async () => (await node.Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId },
            deadline: Deadline.Soon)).Rotations.Count == 1);

        var rotations = await node.Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest
        {
            KeyId = key.KeyId, IncludeKeyMaterial = IncludeKeyMaterial.AllKeyMaterial,
        }, deadline: Deadline.Soon);
        Assert.Equal(2, rotations.Rotations.Count);
        Assert.Equal(KeyMaterialState.NonCurrent, rotations.Rotations[0].KeyMaterialState);
        Assert.Equal(KeyMaterialState.Current, rotations.Rotations[1].KeyMaterialState);
        Assert.Equal(RotationType.Automatic, rotations.Rotations[1].RotationType);
        Assert.Equal(key.CurrentKeyMaterialId, rotations.Rotations[0].KeyMaterialId);

        var described = (await node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Equal(rotations.Rotations[1].KeyMaterialId, described.CurrentKeyMaterialId);
        var decrypted = await node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = old.CiphertextBlob }, deadline: Deadline.Soon);
        Assert.Equal("before", decrypted.Plaintext.ToStringUtf8());
        Assert.Equal(key.CurrentKeyMaterialId, decrypted.KeyMaterialId);
        var fresh = await node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("after") }, deadline: Deadline.Soon);
        var freshDecrypted = await node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = fresh.CiphertextBlob }, deadline: Deadline.Soon);
        Assert.Equal(described.CurrentKeyMaterialId, freshDecrypted.KeyMaterialId);
    }

    [Fact]
    public async Task RotateKeyOnDemand_TwentyFiveTimes_ThenLimitExceeded()
    {
        await using var node = await InProcessRegionNode.StartAsync();
        var key = await node.CreateAsync();
        for (var i = 0; i < 25; i++)
        {
            await node.Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
        }

        await Errors.ExpectAsync("LimitExceededException", node.Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
        var page = await node.Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, Limit = 10 }, deadline: Deadline.Soon);
        Assert.Equal(10, page.Rotations.Count);
        Assert.True(page.Truncated);
        var all = new List<RotationsListEntry>(page.Rotations);
        while (page.Truncated)
        {
            page = await node.Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, Limit = 10, Marker = page.NextMarker },
                deadline: Deadline.Soon);
            all.AddRange(page.Rotations);
        }

        Assert.Equal(25, all.Count);
        Assert.All(all, r => Assert.Equal(RotationType.OnDemand, r.RotationType));
        Assert.Equal(25, all.Select(r => r.KeyMaterialId).Distinct().Count());

        var asymmetric = await node.CreateAsync(KeySpec.Rsa2048, KeyUsageType.SignVerify);
        await Errors.ExpectAsync("UnsupportedOperationException", node.Kms.RotateKeyOnDemandAsync(
            new RotateKeyOnDemandRequest { KeyId = asymmetric.KeyId }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("UnsupportedOperationException", node.Kms.GetKeyRotationStatusAsync(
            new GetKeyRotationStatusRequest { KeyId = asymmetric.KeyId }, deadline: Deadline.Soon));
    }

    [Fact]
    public async Task DisableKey_RefusesCrypto_ManagementStillWorks()
    {
        await using var node = await InProcessRegionNode.StartAsync();
        var key = await node.CreateAsync();
        await node.Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
        var described = (await node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Equal(KeyState.Disabled, described.KeyState);
        Assert.False(described.Enabled);
        var error = await Errors.ExpectAsync("DisabledException", node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x"),
        }, deadline: Deadline.Soon));
        Assert.Equal($"{key.Arn} is disabled.", error.Status.Detail);
        await node.Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "still manageable" }, deadline: Deadline.Soon);
        await node.Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = { new Tag { TagKey = "k", TagValue = "v" } } },
            deadline: Deadline.Soon);
        await Errors.ExpectAsync("DisabledException", node.Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
    }

    private static long CountRows(InProcessRegionNode node, string table, string keyId, string column = "key_id")
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(node.DataDirectory, "region.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE {column} = $id";
        command.Parameters.AddWithValue("$id", keyId);
        return (long)command.ExecuteScalar()!;
    }
}
