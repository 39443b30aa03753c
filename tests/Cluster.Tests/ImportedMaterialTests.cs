using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Imported key material (BYOK) on real processes, with material made and wrapped by the openssl command line
/// (scripts/wrap-key-material.sh, the recipe of docs/byok.md): every wrapping algorithm, several key specs, and a
/// multi-Region set whose Regions each receive the material by their own import.
/// </summary>
public sealed class ImportedMaterialTests(RegionNodeFixture fixture, ITestOutputHelper output) : IClassFixture<RegionNodeFixture>
{

    [Theory]
    [InlineData("RSAES_OAEP_SHA_1", WrappingKeySpec.Rsa2048)]
    [InlineData("RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa3072)]
    [InlineData("RSA_AES_KEY_WRAP_SHA_1", WrappingKeySpec.Rsa4096)]
    [InlineData("RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec.Rsa2048)]
    public async Task SymmetricKey_EachWrappingAlgorithmThroughOpenSsl_EncryptsAndDecrypts(string algorithm, WrappingKeySpec wrappingKeySpec)
    {
        var kms = fixture.Node.Kms;
        var key = await CreateExternalAsync(kms, KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt);
        Assert.Equal(KeyState.PendingImport, key.KeyState);
        Assert.Equal(OriginType.External, key.Origin);
        await Errors.ExpectAsync("KMSInvalidStateException", kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x") },
            deadline: Deadline.Soon));

        var material = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var imported = await ImportAsync(kms, key.KeyId, material, algorithm, wrappingKeySpec, validTo: DateTimeOffset.UtcNow.AddDays(10));
        var described = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).KeyMetadata;
        Assert.Equal(KeyState.Enabled, described.KeyState);
        Assert.Equal(imported.KeyMaterialId, described.CurrentKeyMaterialId);
        Assert.Equal(ExpirationModelType.KeyMaterialExpires, described.ExpirationModel);
        Assert.NotNull(described.ValidTo);

        var ciphertext = (await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("bring your own key") },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout()).CiphertextBlob;
        var plaintext = (await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).Plaintext;
        Assert.Equal("bring your own key", plaintext.ToStringUtf8());
        Assert.Null(StoredMaterial.FindIn(fixture.Node.DataDirectory, material));
    }

    [Theory]
    [InlineData(KeySpec.Rsa2048, KeyUsageType.SignVerify, new[] { "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048" })]
    [InlineData(KeySpec.EccNistP256, KeyUsageType.SignVerify, new[] { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256" })]
    [InlineData(KeySpec.EccNistP384, KeyUsageType.SignVerify, new[] { "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384" })]
    [InlineData(KeySpec.EccNistEdwards25519, KeyUsageType.SignVerify, new[] { "-algorithm", "ED25519" })]
    public async Task AsymmetricKey_OpenSslKeyImported_SignaturesVerifyWithThatKey(KeySpec spec, KeyUsageType usage, string[] genpkey)
    {
        var kms = fixture.Node.Kms;
        var key = await CreateExternalAsync(kms, spec, usage);
        var material = await OpenSsl.PrivateKeyAsync(genpkey);
        await ImportAsync(kms, key.KeyId, material, "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec.Rsa2048, validTo: null);

        // The public key KMS reports is the one openssl made: same SubjectPublicKeyInfo.
        var publicKey = (await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).PublicKey;
        Assert.Equal(await OpenSsl.PublicKeyOfAsync(material), publicKey.ToByteArray());
        var message = ByteString.CopyFromUtf8("signed with an imported key");
        var algorithm = spec switch
        {
            KeySpec.Rsa2048 => SigningAlgorithmSpec.RsassaPssSha256,
            KeySpec.EccNistP384 => SigningAlgorithmSpec.EcdsaSha384,
            KeySpec.EccNistEdwards25519 => SigningAlgorithmSpec.Ed25519Sha512,
            _ => SigningAlgorithmSpec.EcdsaSha256,
        };
        var signature = (await kms.SignAsync(new SignRequest { KeyId = key.KeyId, Message = message, SigningAlgorithm = algorithm },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout()).Signature;
        var verified = await kms.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = message, Signature = signature, SigningAlgorithm = algorithm },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.True(verified.SignatureValid);
        Assert.Null(StoredMaterial.FindIn(fixture.Node.DataDirectory, material));
    }

    [Fact]
    public async Task TokenMisuse_OverTheWire_AwsErrorsAndNothingChanges()
    {
        var kms = fixture.Node.Kms;
        var key = await CreateExternalAsync(kms, KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt);
        var other = await CreateExternalAsync(kms, KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt);
        var material = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var otherParameters = await ParametersAsync(kms, other.KeyId, "RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa2048);
        await Errors.ExpectAsync("InvalidImportTokenException", kms.ImportKeyMaterialAsync(
            await ImportRequestAsync(key.KeyId, otherParameters, "RSAES_OAEP_SHA_256", material), deadline: Deadline.Soon));

        var parameters = await ParametersAsync(kms, key.KeyId, "RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa2048);
        await Errors.ExpectAsync("InvalidCiphertextException", kms.ImportKeyMaterialAsync(
            await ImportRequestAsync(key.KeyId, parameters, "RSAES_OAEP_SHA_1", material), deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = key.KeyId, ImportToken = parameters.ImportToken, EncryptedKeyMaterial = ByteString.CopyFrom(new byte[6145]),
        }, deadline: Deadline.Soon));
        Assert.Equal(KeyState.PendingImport, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout()).KeyMetadata.KeyState);

        var request = await ImportRequestAsync(key.KeyId, parameters, "RSAES_OAEP_SHA_256", material);
        await kms.ImportKeyMaterialAsync(request, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Errors.ExpectAsync("InvalidImportTokenException", kms.ImportKeyMaterialAsync(request, deadline: Deadline.Soon));

        var late = await ParametersAsync(kms, key.KeyId, "RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa2048);
        await fixture.Node.AdvanceClockAsync(TimeSpan.FromHours(25));
        await Errors.ExpectAsync("ExpiredImportTokenException", kms.ImportKeyMaterialAsync(
            await ImportRequestAsync(key.KeyId, late, "RSAES_OAEP_SHA_256", material), deadline: Deadline.Soon));
        var generated = await fixture.Node.CreateAsync();
        await Errors.ExpectAsync("UnsupportedOperationException", kms.GetParametersForImportAsync(new GetParametersForImportRequest
        {
            KeyId = generated.KeyId, WrappingAlgorithm = AlgorithmSpec.RsaesOaepSha256, WrappingKeySpec = WrappingKeySpec.Rsa2048,
        }, deadline: Deadline.Soon));
    }

    [Fact]
    public async Task MultiRegion_EachRegionImportsTheSameMaterial_CiphertextsCross_DifferentRefused_RotationAndExpiryPerRegion()
    {
        await using var cluster = await StartAsync(output);
        var primary = await CreateExternalAsync(cluster.Kms(East), KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt, multiRegion: true);
        var keyId = primary.KeyId;
        var material = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var first = await ImportAsync(cluster.Kms(East), keyId, material, "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec.Rsa2048, validTo: null);

        foreach (var region in new[] { West, Sydney })
        {
            var replica = await cluster.Kms(East).ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = region },
                deadline: Deadline.Soon).ResponseAsync.WithTimeout();
            Assert.Equal(KeyState.Creating, replica.ReplicaKeyMetadata.KeyState);
        }

        foreach (var region in new[] { West, Sydney })
        {
            // No material travels: each replica knows the set's material ID and waits for its own import.
            var waiting = await cluster.UntilAsync(region, keyId, m => m.KeyState == KeyState.PendingImport);
            Assert.Equal(first.KeyMaterialId, waiting.CurrentKeyMaterialId);
            var version = Assert.Single((await RotationsAsync(cluster, region, keyId)).Rotations);
            Assert.Equal((first.KeyMaterialId, ImportState.PendingImport, KeyMaterialState.Current),
                (version.KeyMaterialId, version.ImportState, version.KeyMaterialState));
        }

        await ImportAsync(cluster.Kms(West), keyId, material, "RSAES_OAEP_SHA_1", WrappingKeySpec.Rsa3072, validTo: DateTimeOffset.UtcNow.AddHours(2));
        Assert.Equal(KeyState.Enabled, (await cluster.DescribeAsync(West, keyId)).KeyState);
        var imported = Assert.Single((await RotationsAsync(cluster, West, keyId)).Rotations);
        Assert.Equal((ImportState.Imported, ExpirationModelType.KeyMaterialExpires), (imported.ImportState, imported.ExpirationModel));
        Assert.NotNull(imported.ValidTo);
        var fromEast = await cluster.EncryptAsync(East, keyId, "sealed in us-east-1");
        var fromWest = await cluster.EncryptAsync(West, keyId, "sealed in eu-west-1");
        Assert.Equal("sealed in us-east-1", await cluster.DecryptTextAsync(West, fromEast));
        Assert.Equal("sealed in eu-west-1", await cluster.DecryptTextAsync(East, fromWest));

        var different = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var parameters = await ParametersAsync(cluster.Kms(Sydney), keyId, "RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa2048);
        await Errors.ExpectAsync("IncorrectKeyMaterialException", cluster.Kms(Sydney).ImportKeyMaterialAsync(
            await ImportRequestAsync(keyId, parameters, "RSAES_OAEP_SHA_256", different), deadline: Deadline.Soon));
        Assert.Equal(KeyState.PendingImport, (await cluster.DescribeAsync(Sydney, keyId)).KeyState);
        await ImportAsync(cluster.Kms(Sydney), keyId, material, "RSA_AES_KEY_WRAP_SHA_1", WrappingKeySpec.Rsa2048, validTo: null);
        Assert.Equal("sealed in eu-west-1", await cluster.DecryptTextAsync(Sydney, fromWest));

        // On-demand rotation: new material into the primary, the same into each replica, then RotateKeyOnDemand.
        var next = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var second = await ImportAsync(cluster.Kms(East), keyId, next, "RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa2048, validTo: null,
            importType: ImportType.NewKeyMaterial);
        Assert.Equal(KeyMaterialState.PendingMultiRegionImportAndRotation, await MaterialStateAsync(cluster, East, keyId, second.KeyMaterialId));
        await Errors.ExpectAsync("KMSInvalidStateException", cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId },
            deadline: Deadline.Soon));
        await Errors.ExpectAsync("UnsupportedOperationException", cluster.Kms(West).ImportKeyMaterialAsync(await ImportRequestAsync(keyId,
            await ParametersAsync(cluster.Kms(West), keyId, "RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa2048), "RSAES_OAEP_SHA_256",
            System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), ImportType.NewKeyMaterial), deadline: Deadline.Soon));
        foreach (var region in new[] { West, Sydney })
        {
            await Eventually.TrueAsync(async () => await MaterialStateAsync(cluster, region, keyId, second.KeyMaterialId) is not null);
            await ImportAsync(cluster.Kms(region), keyId, next, "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec.Rsa2048, validTo: null,
                materialId: second.KeyMaterialId);
        }

        await Eventually.TrueAsync(async () =>
            await MaterialStateAsync(cluster, East, keyId, second.KeyMaterialId) == KeyMaterialState.PendingRotation);
        await cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        foreach (var region in Regions)
        {
            await cluster.UntilAsync(region, keyId, m => m.CurrentKeyMaterialId == second.KeyMaterialId && m.KeyState == KeyState.Enabled);
        }

        var rotated = await cluster.EncryptAsync(Sydney, keyId, "after the rotation");
        Assert.Equal("after the rotation", await cluster.DecryptTextAsync(East, rotated));
        Assert.Equal("sealed in us-east-1", await cluster.DecryptTextAsync(Sydney, fromEast));

        // West's first material expires (its own ValidTo): only West goes to PendingImport; the others keep serving.
        await cluster[West].AdvanceClockAsync(TimeSpan.FromHours(3));
        await cluster.UntilAsync(West, keyId, m => m.KeyState == KeyState.PendingImport);
        await Errors.ExpectAsync("KMSInvalidStateException", cluster.Kms(West).DecryptAsync(new DecryptRequest { CiphertextBlob = fromEast },
            deadline: Deadline.Soon));
        Assert.Equal("sealed in us-east-1", await cluster.DecryptTextAsync(Sydney, fromEast));
        Assert.Equal("after the rotation", await cluster.DecryptTextAsync(East, rotated));
        Assert.Equal(KeyState.Enabled, (await cluster.DescribeAsync(East, keyId)).KeyState);
        Assert.Equal(KeyState.Enabled, (await cluster.DescribeAsync(Sydney, keyId)).KeyState);

        await ImportAsync(cluster.Kms(West), keyId, material, "RSAES_OAEP_SHA_256", WrappingKeySpec.Rsa2048, validTo: null, materialId: first.KeyMaterialId);
        Assert.Equal("sealed in us-east-1", await cluster.DecryptTextAsync(West, fromEast));

        // Imported material never left a Region: not in the ControlPlane's files, nor in any other Region's.
        foreach (var secret in new[] { material, next })
        {
            Assert.Null(StoredMaterial.FindIn(cluster.ControlPlaneDirectory, secret));
            foreach (var region in Regions)
            {
                Assert.Null(StoredMaterial.FindIn(cluster.DataDirectory(region), secret));
            }
        }
    }

    /// <summary>
    /// A PKCS#8 v2 Ed25519 key carries its public key; one whose embedded public key is another key's is two keys in one,
    /// and is refused (the same private key with its own public key is accepted).
    /// </summary>
    [Fact]
    public async Task Ed25519_EmbeddedPublicKeyOfAnotherKey_Refused()
    {
        var kms = fixture.Node.Kms;
        var own = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom());
        var other = new Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters(new Org.BouncyCastle.Security.SecureRandom());
        byte[] Pkcs8(Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters embeddedPublicOf) => new Org.BouncyCastle.Asn1.Pkcs.PrivateKeyInfo(
            new Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier(Org.BouncyCastle.Asn1.EdEC.EdECObjectIdentifiers.id_Ed25519),
            new Org.BouncyCastle.Asn1.DerOctetString(own.GetEncoded()), null, embeddedPublicOf.GeneratePublicKey().GetEncoded()).GetDerEncoded();

        var key = await CreateExternalAsync(kms, KeySpec.EccNistEdwards25519, KeyUsageType.SignVerify);
        await Errors.ExpectAsync("IncorrectKeyMaterialException", () =>
            ImportAsync(kms, key.KeyId, Pkcs8(other), "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec.Rsa2048, validTo: null));
        Assert.Equal(KeyState.PendingImport, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout()).KeyMetadata.KeyState);
        await ImportAsync(kms, key.KeyId, Pkcs8(own), "RSA_AES_KEY_WRAP_SHA_256", WrappingKeySpec.Rsa2048, validTo: null);
        var publicKey = (await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).PublicKey;
        Assert.Equal(own.GeneratePublicKey().GetEncoded(), publicKey.ToByteArray()[^32..]);
    }

    private static async Task<KeyMetadata> CreateExternalAsync(KeyManagementService.KeyManagementServiceClient kms, KeySpec spec, KeyUsageType usage,
        bool multiRegion = false) =>
        (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = usage, Origin = OriginType.External, MultiRegion = multiRegion },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout()).KeyMetadata;

    private static async Task<GetParametersForImportResponse> ParametersAsync(KeyManagementService.KeyManagementServiceClient kms, string keyId,
        string algorithm, WrappingKeySpec wrappingKeySpec) =>
        await kms.GetParametersForImportAsync(new GetParametersForImportRequest
        {
            KeyId = keyId,
            WrappingAlgorithm = System.Enum.Parse<AlgorithmSpec>(algorithm.Replace("_", string.Empty, StringComparison.Ordinal), ignoreCase: true),
            WrappingKeySpec = wrappingKeySpec,
        }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();

    private static async Task<ImportKeyMaterialRequest> ImportRequestAsync(string keyId, GetParametersForImportResponse parameters, string algorithm,
        byte[] material, ImportType importType = ImportType.Unspecified) =>
        new()
        {
            KeyId = keyId,
            ImportToken = parameters.ImportToken,
            EncryptedKeyMaterial = ByteString.CopyFrom(await OpenSsl.WrapForImportAsync(parameters.PublicKey.ToByteArray(), algorithm, material)),
            ExpirationModel = ExpirationModelType.KeyMaterialDoesNotExpire,
            ImportType = importType,
        };

    private static async Task<ImportKeyMaterialResponse> ImportAsync(KeyManagementService.KeyManagementServiceClient kms, string keyId, byte[] material,
        string algorithm, WrappingKeySpec wrappingKeySpec, DateTimeOffset? validTo, ImportType importType = ImportType.Unspecified, string materialId = "")
    {
        var parameters = await ParametersAsync(kms, keyId, algorithm, wrappingKeySpec);
        var request = await ImportRequestAsync(keyId, parameters, algorithm, material, importType);
        request.KeyMaterialId = materialId;
        if (validTo is { } until)
        {
            request.ExpirationModel = ExpirationModelType.KeyMaterialExpires;
            request.ValidTo = Timestamp.FromDateTimeOffset(until);
        }

        return await kms.ImportKeyMaterialAsync(request, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
    }

    private static async Task<KeyMaterialState?> MaterialStateAsync(ThreeRegionCluster cluster, string region, string keyId, string materialId) =>
        (await RotationsAsync(cluster, region, keyId)).Rotations.FirstOrDefault(r => r.KeyMaterialId == materialId)?.KeyMaterialState;

    private static async Task<ListKeyRotationsResponse> RotationsAsync(ThreeRegionCluster cluster, string region, string keyId) =>
        await cluster.Kms(region).ListKeyRotationsAsync(new ListKeyRotationsRequest
        {
            KeyId = keyId, IncludeKeyMaterial = IncludeKeyMaterial.AllKeyMaterial,
        }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
}
