using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

public sealed class SqliteKeyStoreTests
{
    private static CreateKeyCommand Create(KeySpec spec = KeySpec.SYMMETRIC_DEFAULT, KeyUsage? usage = null, bool multiRegion = false) =>
        new(string.Empty, "d", usage, spec, null, [new("team", "a")], multiRegion, false);

    [Fact]
    public async Task InsertKey_ThenFind_ReturnsEveryField()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(multiRegion: true), CancellationToken.None);
        var loaded = await store.Store.FindKeyAsync(key.KeyId, CancellationToken.None);
        Assert.NotNull(loaded);
        Assert.Equal(key.Arn, loaded.Arn);
        Assert.Equal(key.CreationDate, loaded.CreationDate);
        Assert.Equal(KeyState.Enabled, loaded.State);
        Assert.Equal("d", loaded.Description);
        Assert.Equal(key.Policy, loaded.Policy);
        Assert.Equal([new("team", "a")], loaded.Tags);
        Assert.Equal("us-east-1", loaded.MultiRegion!.PrimaryRegion);
        Assert.StartsWith("mrk-", loaded.KeyId, StringComparison.Ordinal);
        Assert.Equal(key.CurrentMaterial.MaterialId, loaded.CurrentMaterial.MaterialId);
        Assert.Equal(key.CurrentMaterial.WrappedMaterial, loaded.CurrentMaterial.WrappedMaterial);
    }

    [Fact]
    public async Task ReplicaProgress_IsStoredWithEveryField_UnderItsColumnsMemberNames()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(multiRegion: true), CancellationToken.None);
        key.AddReplica("eu-west-1", new ReplicaCreation("d", "{}", [new("team", "a")]));
        key.AddReplica("ap-southeast-2", new ReplicaCreation("d", "{}", []));
        key.RecordAck("ap-southeast-2", new SyncAckMessage(key.MultiRegion!.Epoch, key.MultiRegion.SyncVersion, key.MaterialIds, KeyState.Enabled));
        key.SentTo("eu-west-1", store.Clock.GetUtcNow(), TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1));
        await store.Store.UpdateKeyAsync(key, [], null, WriteDurability.Immediate, CancellationToken.None);

        var loaded = (await store.Store.FindKeyAsync(key.KeyId, CancellationToken.None))!.MultiRegion!;
        Assert.Equal(["eu-west-1", "ap-southeast-2"], loaded.ReplicaRegions);
        var pending = loaded.Progress["eu-west-1"];
        Assert.Equal(new ReplicaCreation("d", "{}", [new("team", "a")]).Tags, pending.PendingCreation!.Tags);
        Assert.Equal(1, pending.Attempts);
        Assert.Equal(store.Clock.GetUtcNow() + TimeSpan.FromSeconds(2), pending.NextAttempt);
        Assert.Equal(key.MultiRegion.Progress["eu-west-1"].AddedSyncVersion, pending.AddedSyncVersion);
        var current = loaded.Progress["ap-southeast-2"];
        Assert.Null(current.PendingCreation);
        Assert.Equal(KeyState.Enabled, current.KeyState);
        Assert.Equal(key.MaterialIds, current.MaterialIds);
        Assert.Null(current.NextAttempt);

        // Stores written by earlier versions hold these member names; reading them must not lose a field.
        await using var connection = await store.Database.OpenForWriteAsync(CancellationToken.None);
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT mr_progress FROM keys WHERE key_id = $id";
        read.Parameters.AddWithValue("$id", key.KeyId);
        var json = (string)(await read.ExecuteScalarAsync(CancellationToken.None))!;
        foreach (var member in new[] { "AddedEpoch", "AddedSyncVersion", "Epoch", "SyncVersion", "MaterialIds", "KeyState", "PendingCreation", "Attempts", "NextAttempt" })
        {
            Assert.Contains($"\"{member}\"", json, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, KeyUsage.ENCRYPT_DECRYPT)]
    [InlineData(KeySpec.HMAC_512, KeyUsage.GENERATE_VERIFY_MAC)]
    [InlineData(KeySpec.RSA_2048, KeyUsage.SIGN_VERIFY)]
    [InlineData(KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY)]
    [InlineData(KeySpec.ECC_NIST_EDWARDS25519, KeyUsage.SIGN_VERIFY)]
    [InlineData(KeySpec.ML_DSA_44, KeyUsage.SIGN_VERIFY)]
    public async Task StoreFile_NeverContainsPlaintextMaterial(KeySpec spec, KeyUsage usage)
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(spec, usage), CancellationToken.None);
        if (spec == KeySpec.SYMMETRIC_DEFAULT)
        {
            await store.Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, CancellationToken.None);
        }

        key = (await store.Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
        var file = store.FileBytes();
        foreach (var version in key.Materials)
        {
            var material = store.Protector.Unwrap(version.WrappedMaterial, key.KeyId, version.MaterialId);
            // Any 16-byte window of the material would betray it; look for each.
            for (var offset = 0; offset + 16 <= material.Length; offset += 16)
            {
                Assert.Equal(-1, file.AsSpan().IndexOf(material.AsSpan(offset, 16)));
            }
        }
    }

    [Fact]
    public async Task DeleteDueKeys_AfterWindow_RemovesKeyMaterialAndAliasesFromFile()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        await store.Aliases.CreateAliasAsync(Caller.System, "alias/doomed", key.KeyId, CancellationToken.None);
        var wrapped = key.CurrentMaterial.WrappedMaterial;
        await store.Lifecycle.ScheduleKeyDeletionAsync(Caller.System, key.KeyId, 7, CancellationToken.None);

        store.Clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Empty(await store.Lifecycle.DeleteDueKeysAsync(CancellationToken.None));
        store.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([key.KeyId], await store.Lifecycle.DeleteDueKeysAsync(CancellationToken.None));

        Assert.Null(await store.Store.FindKeyAsync(key.KeyId, CancellationToken.None));
        Assert.Null(await store.Store.FindAliasAsync("alias/doomed", CancellationToken.None));
        Assert.Equal(-1, store.FileBytes().AsSpan().IndexOf(wrapped));
    }

    [Fact]
    public async Task Rotation_DueAfterPeriod_RotatesAndOldCiphertextStillDecrypts()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        var context = new Dictionary<string, string>();
        var old = await store.Encryption.EncryptAsync(Caller.System, key.KeyId, [7], context, [], null, CancellationToken.None);
        await store.Rotation.EnableKeyRotationAsync(Caller.System, key.KeyId, 90, CancellationToken.None);

        store.Clock.Advance(TimeSpan.FromDays(89));
        Assert.Empty(await store.Rotation.RotateDueKeysAsync(CancellationToken.None));
        store.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal([key.KeyId], await store.Rotation.RotateDueKeysAsync(CancellationToken.None));

        var rotated = (await store.Store.FindKeyAsync(key.KeyId, CancellationToken.None))!;
        Assert.Equal(2, rotated.Materials.Count);
        Assert.Equal(RotationType.AUTOMATIC, rotated.CurrentMaterial.RotationType);
        Assert.Equal(store.Clock.GetUtcNow().AddDays(90), rotated.Rotation.NextRotationDate);
        var decrypted = await store.Encryption.DecryptAsync(Caller.System, old.CiphertextBlob, context, [], string.Empty, null, CancellationToken.None);
        Assert.Equal([7], decrypted.Plaintext);
        Assert.Equal(key.CurrentMaterial.MaterialId, decrypted.KeyMaterialId);
    }

    [Fact]
    public async Task Rotation_DisabledKey_NotRotatedUntilEnabled()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        await store.Rotation.EnableKeyRotationAsync(Caller.System, key.KeyId, 90, CancellationToken.None);
        await store.Lifecycle.DisableKeyAsync(Caller.System, key.KeyId, CancellationToken.None);
        store.Clock.Advance(TimeSpan.FromDays(100));
        Assert.Empty(await store.Rotation.RotateDueKeysAsync(CancellationToken.None));
        await store.Lifecycle.EnableKeyAsync(Caller.System, key.KeyId, CancellationToken.None);
        Assert.Equal([key.KeyId], await store.Rotation.RotateDueKeysAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ListKeys_Pages_WithMarker()
    {
        using var store = new TempStore();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None)).KeyId);
        }

        var seen = new List<string>();
        string marker = string.Empty;
        do
        {
            var page = await store.Lifecycle.ListKeysAsync(Caller.System, 2, marker, CancellationToken.None);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items);
            marker = page.NextMarker ?? string.Empty;
        }
        while (marker.Length > 0);

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen);
        var error = await Assert.ThrowsAsync<KmsException>(() => store.Lifecycle.ListKeysAsync(Caller.System, 2, "not-a-marker", CancellationToken.None));
        Assert.Equal(KmsErrorCodes.InvalidMarker, error.ErrorCode);
    }

    [Fact]
    public async Task Decrypt_WrongKeyId_IncorrectKey_AndUnknownKey_AccessDenied()
    {
        using var store = new TempStore();
        var a = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        var b = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), CancellationToken.None);
        var context = new Dictionary<string, string>();
        var blob = (await store.Encryption.EncryptAsync(Caller.System, a.KeyId, [1], context, [], null, CancellationToken.None)).CiphertextBlob;

        var wrong = await Assert.ThrowsAsync<KmsException>(() => store.Encryption.DecryptAsync(Caller.System, blob, context, [], b.KeyId, null, CancellationToken.None));
        Assert.Equal(KmsErrorCodes.IncorrectKey, wrong.ErrorCode);

        await store.Lifecycle.ScheduleKeyDeletionAsync(Caller.System, a.KeyId, 7, CancellationToken.None);
        store.Clock.Advance(TimeSpan.FromDays(8));
        await store.Lifecycle.DeleteDueKeysAsync(CancellationToken.None);
        var gone = await Assert.ThrowsAsync<KmsException>(() => store.Encryption.DecryptAsync(Caller.System, blob, context, [], string.Empty, null, CancellationToken.None));
        Assert.Equal(KmsErrorCodes.AccessDenied, gone.ErrorCode);
    }
}
