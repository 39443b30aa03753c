using Grpc.Mrk.RegionNode.Domain.Policies;
using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.UnitTests.Crypto;
using Grpc.Mrk.RegionNode.UnitTests.Storage;
using Microsoft.Data.Sqlite;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace Grpc.Mrk.RegionNode.UnitTests.Domain;

/// <summary>
/// Imported key material (BYOK) through the operations, a real store and the real crypto engine: material is made
/// and wrapped with code independent of the product's, and each imported key is shown to use exactly that material.
/// </summary>
public sealed class ImportedMaterialTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    public static TheoryData<KeySpec, WrappingAlgorithm, WrappingKeySpec> Specs() => new()
    {
        { KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_2048 },
        { KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_3072 },
        { KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingKeySpec.RSA_2048 },
        { KeySpec.SYMMETRIC_DEFAULT, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_4096 },
        { KeySpec.HMAC_224, WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingKeySpec.RSA_2048 },
        { KeySpec.HMAC_256, WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingKeySpec.RSA_2048 },
        { KeySpec.HMAC_384, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingKeySpec.RSA_2048 },
        { KeySpec.HMAC_512, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048 },
        { KeySpec.RSA_2048, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048 },
        { KeySpec.RSA_3072, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingKeySpec.RSA_3072 },
        { KeySpec.RSA_4096, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048 },
        { KeySpec.ECC_NIST_P256, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048 },
        { KeySpec.ECC_NIST_P384, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingKeySpec.RSA_2048 },
        { KeySpec.ECC_NIST_P521, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_3072 },
        { KeySpec.ECC_SECG_P256K1, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048 },
        { KeySpec.ECC_NIST_EDWARDS25519, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048 },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public async Task Import_EachKeySpec_KeyUsesExactlyThatMaterial(KeySpec spec, WrappingAlgorithm algorithm, WrappingKeySpec wrappingKeySpec)
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store, spec);
        Assert.Equal(KeyState.PendingImport, key.State);
        Assert.Empty(key.Materials);

        var material = Material.For(spec);
        var (_, materialId) = await ImportAsync(store, key.KeyId, material.Bytes, algorithm, wrappingKeySpec);

        var imported = await store.Lifecycle.DescribeKeyAsync(Caller.System, key.KeyId, [], None);
        Assert.Equal(KeyState.Enabled, imported.State);
        Assert.Equal(KeyOrigin.EXTERNAL, imported.Origin);
        Assert.Equal(materialId, imported.CurrentMaterial.MaterialId);
        var message = Encoding.UTF8.GetBytes("imported material in use");
        switch (spec)
        {
            case KeySpec.SYMMETRIC_DEFAULT:
                // The material ID is HMAC-SHA-256 keyed by the material, so it proves which material the key holds.
                Assert.Equal(IndependentMaterialId(key.KeyId, material.Bytes), materialId);
                var encrypted = await store.Encryption.EncryptAsync(Caller.System, key.KeyId, message, new Dictionary<string, string>(), [], null, None);
                var decrypted = await store.Encryption.DecryptAsync(Caller.System, encrypted.CiphertextBlob, new Dictionary<string, string>(), [], key.KeyId, null, None);
                Assert.Equal(message, decrypted.Plaintext);
                break;
            case KeySpec.HMAC_224 or KeySpec.HMAC_256 or KeySpec.HMAC_384 or KeySpec.HMAC_512:
                var mac = await store.Macs.GenerateMacAsync(Caller.System, message, key.KeyId, KeySpecCatalog.Get(spec).MacAlgorithms[0], [], None);
                Assert.Equal(material.Mac(spec, message), mac.Mac);
                break;
            default:
                var algorithmToSign = KeySpecCatalog.Get(spec).SigningAlgorithmsFor(KeyUsage.SIGN_VERIFY)[0];
                var signature = await store.Signing.SignAsync(Caller.System, key.KeyId, message, MessageType.RAW, algorithmToSign, [], None);
                Assert.True(material.Verify(spec, algorithmToSign, message, signature.Signature), $"{spec} signature does not verify with the imported key");
                break;
        }
    }

    [Fact]
    public async Task Import_SameKeyInAnotherEncoding_SameMaterialId()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store, KeySpec.ECC_NIST_P256);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var runtimeEncoding = ec.ExportPkcs8PrivateKey();
        var bouncyEncoding = PrivateKeyInfoFactory.CreatePrivateKeyInfo(PrivateKeyFactory.CreateKey(runtimeEncoding)).GetDerEncoded();
        Assert.NotEqual(runtimeEncoding, bouncyEncoding);

        var (_, first) = await ImportAsync(store, key.KeyId, runtimeEncoding, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256);
        await store.Imports.DeleteImportedKeyMaterialAsync(Caller.System, key.KeyId, string.Empty, None);
        var (_, second) = await ImportAsync(store, key.KeyId, bouncyEncoding, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256);
        Assert.Equal(first, second);
        Assert.Equal(KeyState.Enabled, (await Describe(store, key.KeyId)).State);
    }

    [Fact]
    public async Task Import_TokenOfAnotherKey_InvalidImportTokenAndNothingChanges()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var other = await CreateExternalAsync(store);
        var parameters = await Parameters(store, other.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        var before = await Snapshot(store, key.KeyId);

        await ExpectAsync(KmsErrorCodes.InvalidImportToken, () => Import(store, key.KeyId, parameters, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(before, await Snapshot(store, key.KeyId));

        // The other key's token still works for that key.
        await Import(store, other.KeyId, parameters, RandomNumberGenerator.GetBytes(32));
    }

    /// <summary>
    /// A token refused as expired has its private wrapping key erased by that refusal, before any maintenance pass; and
    /// a token whose key is erased stays expired when the clock reads a time before its end again (a clock set back),
    /// answered ExpiredImportTokenException rather than failing on the erased key.
    /// </summary>
    [Fact]
    public async Task Import_TokenRefusedAsExpired_StaysExpiredWhenTheClockGoesBack()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var parameters = await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        store.Clock.Advance(TimeSpan.FromHours(25));
        await ExpectAsync(KmsErrorCodes.ExpiredImportToken, () => Import(store, key.KeyId, parameters, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(0L, Scalar(store, "SELECT count(*) FROM import_parameters WHERE length(wrapped_private_key) > 0;"));

        // The clock set back two days: by its reading the token has a day left.
        Assert.Equal(1L, Scalar(store, $"UPDATE import_parameters SET valid_to = {(store.Clock.GetUtcNow() + TimeSpan.FromDays(1)).UtcTicks} RETURNING 1;"));
        var before = await Snapshot(store, key.KeyId);
        await ExpectAsync(KmsErrorCodes.ExpiredImportToken, () => Import(store, key.KeyId, parameters, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(before, await Snapshot(store, key.KeyId));
    }

    [Fact]
    public async Task Import_ExpiredToken_ExpiredImportTokenAndNothingChanges()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var parameters = await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        Assert.Equal(store.Clock.GetUtcNow() + TimeSpan.FromHours(24), parameters.ValidTo);
        var before = await Snapshot(store, key.KeyId);

        store.Clock.Advance(TimeSpan.FromHours(24));
        await ExpectAsync(KmsErrorCodes.ExpiredImportToken, () => Import(store, key.KeyId, parameters, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(before, await Snapshot(store, key.KeyId));

        // The sweep erases the private wrapping key at once; the token is still recognised as expired, not invalid.
        await store.Imports.ExpireDueAsync(None);
        Assert.Equal(0L, Scalar(store, "SELECT count(*) FROM import_parameters WHERE length(wrapped_private_key) > 0;"));
        await ExpectAsync(KmsErrorCodes.ExpiredImportToken, () => Import(store, key.KeyId, parameters, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(before, await Snapshot(store, key.KeyId));

        // Re-wrapping under a new domain key skips the erased private key instead of failing on it.
        var rewrapped = new List<string>();
        await new RegionNode.Storage.MaterialRewrap(store.Database).RunAsync((_, name, blob) =>
        {
            rewrapped.Add(name);
            return blob;
        }, "rewrap-check", [1], None);
        Assert.DoesNotContain(rewrapped, name => name.StartsWith(ImportParameters.ProtectionLabel(string.Empty), StringComparison.Ordinal));

        // A week later the token is forgotten for good.
        store.Clock.Advance(ImportOperations.ExpiredTokenMemory);
        await store.Imports.ExpireDueAsync(None);
        Assert.Equal(0L, Scalar(store, "SELECT count(*) FROM import_parameters;"));
        await ExpectAsync(KmsErrorCodes.InvalidImportToken, () => Import(store, key.KeyId, parameters, RandomNumberGenerator.GetBytes(32)));
    }

    [Fact]
    public async Task Import_TokenReusedAfterSuccess_InvalidImportTokenAndNothingChanges()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var material = RandomNumberGenerator.GetBytes(32);
        var parameters = await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        await Import(store, key.KeyId, parameters, material);
        var before = await Snapshot(store, key.KeyId);

        await ExpectAsync(KmsErrorCodes.InvalidImportToken, () => Import(store, key.KeyId, parameters, material, validFor: TimeSpan.FromDays(300)));
        Assert.Equal(before, await Snapshot(store, key.KeyId));
    }

    [Fact]
    public async Task Import_SameTokenTwiceAtOnce_ExactlyOneSucceeds()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var material = RandomNumberGenerator.GetBytes(32);
        var parameters = await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        var attempts = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            try
            {
                await Import(store, key.KeyId, parameters, material);
                return "ok";
            }
            catch (KmsException e)
            {
                return e.ErrorCode;
            }
        })).ToList();

        var outcomes = await Task.WhenAll(attempts);
        Assert.Single(outcomes, o => o == "ok");
        Assert.All(outcomes.Where(o => o != "ok"), o => Assert.Equal(KmsErrorCodes.InvalidImportToken, o));
    }

    [Fact]
    public async Task Import_WrappedWithAnotherAlgorithm_InvalidCiphertextAndTokenStillUsable()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var material = RandomNumberGenerator.GetBytes(32);
        var parameters = await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        var before = await Snapshot(store, key.KeyId);

        var wrongWrap = IndependentWrap.Wrap(parameters.PublicKey, WrappingAlgorithm.RSAES_OAEP_SHA_1, material);
        await ExpectAsync(KmsErrorCodes.InvalidCiphertext, () => store.Imports.ImportKeyMaterialAsync(Caller.System, 
            Command(key.KeyId, parameters.ImportToken, wrongWrap), None));
        await ExpectAsync(KmsErrorCodes.InvalidCiphertext, () => store.Imports.ImportKeyMaterialAsync(Caller.System, 
            Command(key.KeyId, parameters.ImportToken, RandomNumberGenerator.GetBytes(300)), None));
        Assert.Equal(before, await Snapshot(store, key.KeyId));

        await Import(store, key.KeyId, parameters, material);
        Assert.Equal(KeyState.Enabled, (await Describe(store, key.KeyId)).State);
    }

    [Theory]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, 16)]
    [InlineData(KeySpec.SYMMETRIC_DEFAULT, 33)]
    [InlineData(KeySpec.HMAC_256, 31)]
    [InlineData(KeySpec.HMAC_256, 65)]
    [InlineData(KeySpec.HMAC_512, 129)]
    public async Task Import_MaterialOfWrongLength_IncorrectKeyMaterial(KeySpec spec, int length)
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store, spec);
        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(length)));
        Assert.Equal(KeyState.PendingImport, (await Describe(store, key.KeyId)).State);
    }

    [Fact]
    public async Task Import_AsymmetricMaterialOfAnotherSpec_IncorrectKeyMaterial()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store, KeySpec.ECC_NIST_P384);
        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, Material.For(KeySpec.ECC_NIST_P256).Bytes));
        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, Material.For(KeySpec.RSA_2048).Bytes));
        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(200)));
        var valid = Material.For(KeySpec.ECC_NIST_P384).Bytes;
        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, [.. valid, 0]));
        Assert.Equal(KeyState.PendingImport, (await Describe(store, key.KeyId)).State);
    }

    [Theory]
    [InlineData(ExpirationModel.KEY_MATERIAL_EXPIRES, null)]
    [InlineData(ExpirationModel.KEY_MATERIAL_EXPIRES, -60)]
    [InlineData(ExpirationModel.KEY_MATERIAL_EXPIRES, 366 * 86400)]
    [InlineData(ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, 3600)]
    public async Task Import_ExpirySettingsOutOfRule_ValidationException(ExpirationModel model, int? validInSeconds)
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var parameters = await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        var command = Command(key.KeyId, parameters.ImportToken,
            IndependentWrap.Wrap(parameters.PublicKey, WrappingAlgorithm.RSAES_OAEP_SHA_256, RandomNumberGenerator.GetBytes(32))) with
        {
            ExpirationModel = model,
            ValidTo = validInSeconds is { } s ? store.Clock.GetUtcNow().AddSeconds(s) : null,
        };
        await ExpectAsync(KmsErrorCodes.Validation, () => store.Imports.ImportKeyMaterialAsync(Caller.System, command, None));
        Assert.Equal(KeyState.PendingImport, (await Describe(store, key.KeyId)).State);
    }

    [Fact]
    public async Task Expiry_ValidToPasses_MaterialDeletedKeyPendingImportUntilReimported()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var material = RandomNumberGenerator.GetBytes(32);
        await ImportAsync(store, key.KeyId, material, validFor: TimeSpan.FromHours(1));
        var context = new Dictionary<string, string>();
        var ciphertext = (await store.Encryption.EncryptAsync(Caller.System, key.KeyId, [1, 2, 3], context, [], null, None)).CiphertextBlob;

        store.Clock.Advance(TimeSpan.FromHours(1));
        // Past ValidTo the material is refused at once, before the sweep deletes it.
        await ExpectAsync(KmsErrorCodes.KMSInvalidState, () => store.Encryption.DecryptAsync(Caller.System, ciphertext, context, [], key.KeyId, null, None));
        Assert.Equal([key.KeyId], await store.Imports.ExpireDueAsync(None));
        var expired = await Describe(store, key.KeyId);
        Assert.Equal(KeyState.PendingImport, expired.State);
        Assert.False(expired.Materials[0].IsHeld);
        Assert.Equal(0L, Scalar(store, "SELECT count(*) FROM key_materials WHERE wrapped IS NOT NULL;"));
        Assert.NotEmpty(await store.AuditedAsync("DeleteExpiredKeyMaterial"));

        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(32)));
        await ImportAsync(store, key.KeyId, material, model: ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE);
        Assert.Equal(KeyState.Enabled, (await Describe(store, key.KeyId)).State);
        Assert.Equal([1, 2, 3], (await store.Encryption.DecryptAsync(Caller.System, ciphertext, context, [], key.KeyId, null, None)).Plaintext);
        store.Clock.Advance(TimeSpan.FromDays(400));
        Assert.Empty(await store.Imports.ExpireDueAsync(None));
    }

    [Fact]
    public async Task DeleteImportedKeyMaterial_DisabledKey_PendingImportThenEnabledBySameMaterialOnly()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var material = RandomNumberGenerator.GetBytes(32);
        var (_, materialId) = await ImportAsync(store, key.KeyId, material);
        await store.Lifecycle.DisableKeyAsync(Caller.System, key.KeyId, None);

        var (_, deleted) = await store.Imports.DeleteImportedKeyMaterialAsync(Caller.System, key.KeyId, string.Empty, None);
        Assert.Equal(materialId, deleted);
        Assert.Equal(KeyState.PendingImport, (await Describe(store, key.KeyId)).State);
        Assert.Equal(0L, Scalar(store, "SELECT count(*) FROM key_materials WHERE wrapped IS NOT NULL;"));
        // Again: no effect.
        await store.Imports.DeleteImportedKeyMaterialAsync(Caller.System, key.KeyId, string.Empty, None);

        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(32)));
        await ImportAsync(store, key.KeyId, material, materialId: materialId);
        Assert.Equal(KeyState.Enabled, (await Describe(store, key.KeyId)).State);
    }

    [Fact]
    public async Task ImportOperations_KeyWithGeneratedMaterial_Unsupported()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, string.Empty, null, null, null, [], false, false), None);
        await ExpectAsync(KmsErrorCodes.UnsupportedOperation, () => Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256));
        await ExpectAsync(KmsErrorCodes.UnsupportedOperation, () => store.Imports.DeleteImportedKeyMaterialAsync(Caller.System, key.KeyId, string.Empty, None));
        await ExpectAsync(KmsErrorCodes.UnsupportedOperation, () => store.Lifecycle.CreateKeyAsync(Caller.System, 
            new CreateKeyCommand(string.Empty, string.Empty, KeyUsage.SIGN_VERIFY, KeySpec.ML_DSA_65, KeyOrigin.EXTERNAL, [], false, false), None));
    }

    [Fact]
    public async Task RotateOnDemand_ImportedSymmetricKey_NewMaterialWaitsThenBecomesCurrent()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var first = RandomNumberGenerator.GetBytes(32);
        var (_, firstId) = await ImportAsync(store, key.KeyId, first);
        var context = new Dictionary<string, string>();
        var old = (await store.Encryption.EncryptAsync(Caller.System, key.KeyId, [7], context, [], null, None)).CiphertextBlob;
        await ExpectAsync(KmsErrorCodes.KMSInvalidState, () => store.Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, None));
        await ExpectAsync(KmsErrorCodes.UnsupportedOperation, () => store.Rotation.EnableKeyRotationAsync(Caller.System, key.KeyId, null, None));

        var (_, secondId) = await ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(32), type: ImportType.NEW_KEY_MATERIAL,
            description: "from the HSM, batch 2");
        var waiting = await Describe(store, key.KeyId);
        Assert.Equal(KeyMaterialState.PENDING_ROTATION, waiting.FindMaterial(secondId)!.State);
        Assert.Equal(firstId, waiting.CurrentMaterial.MaterialId);
        await ExpectAsync(KmsErrorCodes.KMSInvalidState,
            () => ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(32), type: ImportType.NEW_KEY_MATERIAL));

        await store.Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, None);
        var rotated = await Describe(store, key.KeyId);
        Assert.Equal(secondId, rotated.CurrentMaterial.MaterialId);
        Assert.Equal(RotationType.ON_DEMAND, rotated.CurrentMaterial.RotationType);
        Assert.Equal("from the HSM, batch 2", rotated.CurrentMaterial.Import!.Description);
        Assert.Equal(KeyMaterialState.NON_CURRENT, rotated.FindMaterial(firstId)!.State);
        var (_, page) = await store.Rotation.ListKeyRotationsAsync(Caller.System, key.KeyId, IncludeKeyMaterial.ALL_KEY_MATERIAL, null, string.Empty, None);
        Assert.Equal([firstId, secondId], page.Items.Select(m => m.MaterialId));
        Assert.Equal([7], (await store.Encryption.DecryptAsync(Caller.System, old, context, [], key.KeyId, null, None)).Plaintext);

        // Deleting an older version makes the key unusable until that material is back.
        await store.Imports.DeleteImportedKeyMaterialAsync(Caller.System, key.KeyId, firstId, None);
        Assert.Equal(KeyState.PendingImport, (await Describe(store, key.KeyId)).State);
        await ImportAsync(store, key.KeyId, first, materialId: firstId);
        Assert.Equal(KeyState.Enabled, (await Describe(store, key.KeyId)).State);
    }

    [Fact]
    public async Task DeleteImportedKeyMaterial_NewMaterialBeforeRotation_ForgottenAndReplaceable()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        await ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(32));
        var (_, pendingId) = await ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(32), type: ImportType.NEW_KEY_MATERIAL);

        await store.Imports.DeleteImportedKeyMaterialAsync(Caller.System, key.KeyId, pendingId, None);
        var after = await Describe(store, key.KeyId);
        Assert.Null(after.FindMaterial(pendingId));
        Assert.Equal(KeyState.Enabled, after.State);
        Assert.Equal(1L, Scalar(store, "SELECT count(*) FROM key_materials;"));
        await ImportAsync(store, key.KeyId, RandomNumberGenerator.GetBytes(32), type: ImportType.NEW_KEY_MATERIAL);
    }

    [Fact]
    public async Task Import_NewMaterialIntoAsymmetricKey_Unsupported()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store, KeySpec.ECC_NIST_P256);
        await ImportAsync(store, key.KeyId, Material.For(KeySpec.ECC_NIST_P256).Bytes);
        await ExpectAsync(KmsErrorCodes.UnsupportedOperation, () => ImportAsync(store, key.KeyId, Material.For(KeySpec.ECC_NIST_P256).Bytes,
            type: ImportType.NEW_KEY_MATERIAL));
        await ExpectAsync(KmsErrorCodes.IncorrectKeyMaterial, () => ImportAsync(store, key.KeyId, Material.For(KeySpec.ECC_NIST_P256).Bytes));
    }

    [Fact]
    public async Task GetParametersForImport_ManyCalls_OldestTokensRetired()
    {
        using var store = new TempStore();
        var key = await CreateExternalAsync(store);
        var first = await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        for (var i = 0; i < ImportOperations.MaxOutstandingParametersPerKey; i++)
        {
            store.Clock.Advance(TimeSpan.FromSeconds(1));
            await Parameters(store, key.KeyId, WrappingAlgorithm.RSAES_OAEP_SHA_256);
        }

        Assert.Equal(ImportOperations.MaxOutstandingParametersPerKey, Scalar(store, "SELECT count(*) FROM import_parameters;"));
        await ExpectAsync(KmsErrorCodes.InvalidImportToken, () => Import(store, key.KeyId, first, RandomNumberGenerator.GetBytes(32)));
        var stored = Scalar(store, "SELECT count(*) FROM import_parameters WHERE instr(wrapped_private_key, x'308204') > 0;");
        Assert.Equal(0L, stored);
    }

    internal static Task<KmsKey> CreateExternalAsync(TempStore store, KeySpec spec = KeySpec.SYMMETRIC_DEFAULT, bool multiRegion = false)
    {
        var usage = spec switch
        {
            KeySpec.SYMMETRIC_DEFAULT => KeyUsage.ENCRYPT_DECRYPT,
            KeySpec.HMAC_224 or KeySpec.HMAC_256 or KeySpec.HMAC_384 or KeySpec.HMAC_512 => KeyUsage.GENERATE_VERIFY_MAC,
            _ => KeyUsage.SIGN_VERIFY,
        };
        return store.Lifecycle.CreateKeyAsync(Caller.System, new CreateKeyCommand(string.Empty, string.Empty, usage, spec, KeyOrigin.EXTERNAL, [], multiRegion, false), None);
    }

    internal static async Task<(string Arn, string MaterialId)> ImportAsync(TempStore store, string keyId, byte[] material,
        WrappingAlgorithm algorithm = WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec wrappingKeySpec = WrappingKeySpec.RSA_2048,
        TimeSpan? validFor = null, ExpirationModel model = ExpirationModel.KEY_MATERIAL_EXPIRES, ImportType? type = null,
        string description = "", string materialId = "")
    {
        var parameters = await store.Imports.GetParametersForImportAsync(Caller.System, keyId, algorithm, wrappingKeySpec, None);
        return await Import(store, keyId, parameters, material, validFor, model, type, description, materialId, algorithm);
    }

    private static Task<(string Arn, string MaterialId)> Import(TempStore store, string keyId, ImportParametersIssued parameters, byte[] material,
        TimeSpan? validFor = null, ExpirationModel model = ExpirationModel.KEY_MATERIAL_EXPIRES, ImportType? type = null, string description = "",
        string materialId = "", WrappingAlgorithm? algorithm = null)
    {
        var wrapped = IndependentWrap.Wrap(parameters.PublicKey, algorithm ?? WrappingAlgorithm.RSAES_OAEP_SHA_256, material);
        var command = Command(keyId, parameters.ImportToken, wrapped) with
        {
            ExpirationModel = model,
            ValidTo = model == ExpirationModel.KEY_MATERIAL_EXPIRES ? store.Clock.GetUtcNow() + (validFor ?? TimeSpan.FromDays(30)) : null,
            ImportType = type,
            KeyMaterialDescription = description,
            KeyMaterialId = materialId,
        };
        return store.Imports.ImportKeyMaterialAsync(Caller.System, command, None);
    }

    private static Task<ImportParametersIssued> Parameters(TempStore store, string keyId, WrappingAlgorithm algorithm) =>
        store.Imports.GetParametersForImportAsync(Caller.System, keyId, algorithm, WrappingKeySpec.RSA_2048, None);

    private static ImportKeyMaterialCommand Command(string keyId, byte[] token, byte[] wrapped) =>
        new(keyId, token, wrapped, null, ExpirationModel.KEY_MATERIAL_DOES_NOT_EXPIRE, null, string.Empty, string.Empty);

    private static Task<KmsKey> Describe(TempStore store, string keyId) => store.Lifecycle.DescribeKeyAsync(Caller.System, keyId, [], None);

    /// <summary>Everything ImportKeyMaterial could change about a key, for "refused and changed nothing" checks.</summary>
    private static async Task<string> Snapshot(TempStore store, string keyId)
    {
        var key = await Describe(store, keyId);
        var versions = key.Materials.Select(m => $"{m.MaterialId}:{m.State}:{m.IsHeld}:{m.Import}");
        return $"{key.State}|{string.Join(",", versions)}|{Scalar(store, "SELECT count(*) FROM import_parameters;")}";
    }

    private static long Scalar(TempStore store, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={store.Database.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static string IndependentMaterialId(string keyId, byte[] material) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(material, Encoding.ASCII.GetBytes("mrk/v1/key-material-id\0" + keyId)));

    private static async Task ExpectAsync(string code, Func<Task> call) =>
        Assert.Equal(code, (await Assert.ThrowsAsync<KmsException>(call)).ErrorCode);

    /// <summary>Key material made outside the product, with what is needed to check the product used it.</summary>
    private sealed record Material(byte[] Bytes)
    {
        public static Material For(KeySpec spec)
        {
            switch (spec)
            {
                case KeySpec.SYMMETRIC_DEFAULT:
                    return new(RandomNumberGenerator.GetBytes(32));
                case KeySpec.HMAC_224 or KeySpec.HMAC_256 or KeySpec.HMAC_384 or KeySpec.HMAC_512:
                    // Longer than the minimum: imported HMAC material may be up to the hash's block size.
                    return new(RandomNumberGenerator.GetBytes(KeySpecCatalog.ImportedSecretLength(spec).Max));
                case KeySpec.RSA_2048 or KeySpec.RSA_3072 or KeySpec.RSA_4096:
                    using (var rsa = RSA.Create(int.Parse(spec.ToString()[4..], System.Globalization.CultureInfo.InvariantCulture)))
                    {
                        return new(rsa.ExportPkcs8PrivateKey());
                    }

                case KeySpec.ECC_NIST_EDWARDS25519:
                    var generator = new Ed25519KeyPairGenerator();
                    generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
                    return new(PrivateKeyInfoFactory.CreatePrivateKeyInfo(generator.GenerateKeyPair().Private).GetDerEncoded());
                default:
                    using (var ec = ECDsa.Create(spec switch
                           {
                               KeySpec.ECC_NIST_P256 => ECCurve.NamedCurves.nistP256,
                               KeySpec.ECC_NIST_P384 => ECCurve.NamedCurves.nistP384,
                               KeySpec.ECC_NIST_P521 => ECCurve.NamedCurves.nistP521,
                               _ => ECCurve.CreateFromValue("1.3.132.0.10"),
                           }))
                    {
                        return new(ec.ExportPkcs8PrivateKey());
                    }
            }
        }

        public byte[] Mac(KeySpec spec, byte[] message) => spec switch
        {
            KeySpec.HMAC_256 => HMACSHA256.HashData(Bytes, message),
            KeySpec.HMAC_384 => HMACSHA384.HashData(Bytes, message),
            KeySpec.HMAC_512 => HMACSHA512.HashData(Bytes, message),
            _ => Hmac224(message),
        };

        public bool Verify(KeySpec spec, SigningAlgorithm algorithm, byte[] message, byte[] signature)
        {
            if (spec == KeySpec.ECC_NIST_EDWARDS25519)
            {
                var verifier = new Ed25519Signer();
                verifier.Init(false, ((Ed25519PrivateKeyParameters)PrivateKeyFactory.CreateKey(Bytes)).GeneratePublicKey());
                verifier.BlockUpdate(message, 0, message.Length);
                return verifier.VerifySignature(signature);
            }

            if (spec.ToString().StartsWith("RSA", StringComparison.Ordinal))
            {
                using var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(Bytes, out _);
                return rsa.VerifyData(message, signature, HashAlgorithmName.SHA256,
                    algorithm.ToString().Contains("PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
            }

            using var ec = ECDsa.Create();
            ec.ImportPkcs8PrivateKey(Bytes, out _);
            var hash = algorithm switch
            {
                SigningAlgorithm.ECDSA_SHA_384 => HashAlgorithmName.SHA384,
                SigningAlgorithm.ECDSA_SHA_512 => HashAlgorithmName.SHA512,
                _ => HashAlgorithmName.SHA256,
            };
            return ec.VerifyData(message, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        private byte[] Hmac224(byte[] message)
        {
            var hmac = new Org.BouncyCastle.Crypto.Macs.HMac(new Org.BouncyCastle.Crypto.Digests.Sha224Digest());
            hmac.Init(new KeyParameter(Bytes));
            hmac.BlockUpdate(message, 0, message.Length);
            var output = new byte[hmac.GetMacSize()];
            hmac.DoFinal(output, 0);
            return output;
        }
    }
}
