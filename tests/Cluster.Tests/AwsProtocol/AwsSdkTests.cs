using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests.AwsProtocol;

/// <summary>
/// The AWS SDK for .NET (AWSSDK.KeyManagementService), unchanged, against a three-Region cluster over TLS and HTTP/1.1:
/// every operation of the API at least once, blobs and timestamps round-tripped, refusals arriving as the SDK's typed
/// exceptions. The cluster runs in its insecure local mode, so the SDK's signature is taken as the account's root;
/// signatures that must verify are <see cref="AwsSignatureTests"/>.
/// </summary>
public sealed class AwsSdkTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Context = new() { ["tenant"] = "acme" };

    [Fact]
    public async Task EveryOperation_ThroughTheAwsSdkForDotNet()
    {
        await using var cluster = await ThreeRegionCluster.StartAsync(output, tls: true);
        using var east = AwsKms.Client(cluster[East]);
        using var west = AwsKms.Client(cluster[West]);

        // A multi-Region key with a description and a tag; its creation date comes back as a timestamp near now.
        var created = (await east.CreateKeyAsync(new CreateKeyRequest
        {
            Description = "orders", MultiRegion = true, Tags = [new Tag { TagKey = "team", TagValue = "payments" }],
        }).WithTimeout()).KeyMetadata;
        var keyId = created.KeyId;
        Assert.StartsWith("mrk-", keyId, StringComparison.Ordinal);
        Assert.Equal(KeyState.Enabled, created.KeyState);
        Assert.Equal(MultiRegionKeyType.PRIMARY, created.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.InRange(created.CreationDate!.Value, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        Assert.Equal([EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT.Value], created.EncryptionAlgorithms);
        Assert.Contains(keyId, (await east.ListKeysAsync(new ListKeysRequest()).WithTimeout()).Keys.Select(k => k.KeyId));
        await east.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = keyId, Description = "orders v2" }).WithTimeout();
        Assert.Equal("orders v2", (await east.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }).WithTimeout()).KeyMetadata.Description);

        // Symmetric cryptography: blobs round-trip in base64, the encryption context binds.
        var plaintext = RandomNumberGenerator.GetBytes(64);
        var ciphertext = (await east.EncryptAsync(new EncryptRequest
        {
            KeyId = keyId, Plaintext = new MemoryStream(plaintext), EncryptionContext = Context,
        }).WithTimeout()).CiphertextBlob.ToArray();
        var decrypted = await east.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(ciphertext), EncryptionContext = Context }).WithTimeout();
        Assert.Equal(plaintext, decrypted.Plaintext.ToArray());
        Assert.Equal(created.Arn, decrypted.KeyId);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => east.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(ciphertext) }));
        var reEncrypted = await east.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = new MemoryStream(ciphertext), SourceEncryptionContext = Context, DestinationKeyId = keyId,
        }).WithTimeout();
        Assert.Equal(created.Arn, reEncrypted.SourceKeyId);
        var dataKey = await east.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = keyId, KeySpec = DataKeySpec.AES_256 }).WithTimeout();
        Assert.Equal(32, dataKey.Plaintext.Length);
        Assert.Equal(dataKey.Plaintext.ToArray(),
            (await east.DecryptAsync(new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob }).WithTimeout()).Plaintext.ToArray());
        Assert.NotEmpty((await east.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = keyId, NumberOfBytes = 16 })
            .WithTimeout()).CiphertextBlob.ToArray());
        Assert.Equal(24, (await east.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 24 }).WithTimeout()).Plaintext.Length);
        await Assert.ThrowsAsync<DryRunOperationException>(() =>
            east.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream(plaintext), DryRun = true }));

        // Replicate, decrypt in the other Region without a call back, then move the primary there.
        var replica = await east.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = West, Description = "orders in Europe" }).WithTimeout();
        Assert.Equal(West, replica.ReplicaKeyMetadata.Arn.Split(':')[3]);
        // The replica exists in eu-west-1 once replication reaches it (NotFound until then), Enabled once its material has.
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await west.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }).WithTimeout()).KeyMetadata.KeyState == KeyState.Enabled;
            }
            catch (NotFoundException)
            {
                return false;
            }
        });
        Assert.Equal(plaintext, (await west.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(ciphertext), EncryptionContext = Context })
            .WithTimeout()).Plaintext.ToArray());
        // The primary learns that the replica exists one hop after the replica does; until then it refuses to hand over.
        await cluster.QuiescentAsync(East, West);
        await east.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = keyId, PrimaryRegion = West }).WithTimeout();
        await Eventually.TrueAsync(async () => (await west.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }).WithTimeout())
            .KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType == MultiRegionKeyType.PRIMARY);

        // Rotation from the new primary, listed in both Regions.
        await west.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = keyId, RotationPeriodInDays = 90 }).WithTimeout();
        var status = await west.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = keyId }).WithTimeout();
        Assert.True(status.KeyRotationEnabled);
        Assert.Equal(90, status.RotationPeriodInDays);
        Assert.InRange(status.NextRotationDate!.Value, DateTime.UtcNow.AddDays(89), DateTime.UtcNow.AddDays(91));
        await west.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }).WithTimeout();
        foreach (var client in new[] { west, east })
        {
            await Eventually.TrueAsync(async () => (await client.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = keyId }).WithTimeout())
                .Rotations is [{ RotationType.Value: "ON_DEMAND", RotationDate: not null }]);
        }

        await west.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = keyId }).WithTimeout();
        Assert.Equal(plaintext, (await east.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(ciphertext), EncryptionContext = Context })
            .WithTimeout()).Plaintext.ToArray());

        await AliasesTagsAndPoliciesAsync(east, keyId, created.Arn);
        await GrantsAsync(east, keyId);
        await AsymmetricAndMacKeysAsync(east);
        await ImportedMaterialAsync(east);

        // Lifecycle, with the SDK's typed refusals.
        var single = (await east.CreateKeyAsync(new CreateKeyRequest()).WithTimeout()).KeyMetadata.KeyId;
        await east.DisableKeyAsync(new DisableKeyRequest { KeyId = single }).WithTimeout();
        await Assert.ThrowsAsync<DisabledException>(() => east.EncryptAsync(new EncryptRequest { KeyId = single, Plaintext = new MemoryStream([1]) }));
        await east.EnableKeyAsync(new EnableKeyRequest { KeyId = single }).WithTimeout();
        var deletion = await east.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = single, PendingWindowInDays = 7 }).WithTimeout();
        Assert.Equal(KeyState.PendingDeletion, deletion.KeyState);
        Assert.InRange(deletion.DeletionDate!.Value, DateTime.UtcNow.AddDays(6.9), DateTime.UtcNow.AddDays(7.1));
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => east.EncryptAsync(new EncryptRequest { KeyId = single, Plaintext = new MemoryStream([1]) }));
        await east.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = single }).WithTimeout();
        Assert.Equal(KeyState.Disabled, (await east.DescribeKeyAsync(new DescribeKeyRequest { KeyId = single }).WithTimeout()).KeyMetadata.KeyState);
        var notFound = await Assert.ThrowsAsync<NotFoundException>(() => east.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/none" }));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, notFound.StatusCode);
    }

    private static async Task AliasesTagsAndPoliciesAsync(AmazonKeyManagementServiceClient kms, string keyId, string keyArn)
    {
        var other = (await kms.CreateKeyAsync(new CreateKeyRequest()).WithTimeout()).KeyMetadata.KeyId;
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/orders", TargetKeyId = keyId }).WithTimeout();
        await Assert.ThrowsAsync<AlreadyExistsException>(() => kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/orders", TargetKeyId = other }));
        var alias = Assert.Single((await kms.ListAliasesAsync(new ListAliasesRequest { KeyId = keyId }).WithTimeout()).Aliases);
        Assert.Equal("alias/orders", alias.AliasName);
        Assert.NotNull(alias.CreationDate);
        await kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = "alias/orders", TargetKeyId = other }).WithTimeout();
        Assert.Equal(other, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/orders" }).WithTimeout()).KeyMetadata.KeyId);
        await kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/orders" }).WithTimeout();
        Assert.Empty((await kms.ListAliasesAsync(new ListAliasesRequest { KeyId = other }).WithTimeout()).Aliases ?? []);

        await kms.TagResourceAsync(new TagResourceRequest { KeyId = keyId, Tags = [new Tag { TagKey = "env", TagValue = "prod" }] }).WithTimeout();
        await kms.UntagResourceAsync(new UntagResourceRequest { KeyId = keyId, TagKeys = ["team"] }).WithTimeout();
        var tags = (await kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = keyId }).WithTimeout()).Tags;
        Assert.Equal(["env=prod"], tags.Select(t => $"{t.TagKey}={t.TagValue}"));

        Assert.Equal(["default"], (await kms.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = keyId }).WithTimeout()).PolicyNames);
        var policy = (await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyId }).WithTimeout()).Policy;
        Assert.Contains(":root", policy, StringComparison.Ordinal);
        var account = keyArn.Split(':')[4];
        var replaced = $$"""{"Version":"2012-10-17","Statement":[{"Sid":"admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{account}}:root"},"Action":"kms:*","Resource":"*"}]}""";
        await kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = keyId, Policy = replaced }).WithTimeout();
        Assert.Contains("\"admin\"", (await kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyId, PolicyName = "default" }).WithTimeout()).Policy,
            StringComparison.Ordinal);
        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() => kms.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = keyId, Policy = "{" }));
    }

    private static async Task GrantsAsync(AmazonKeyManagementServiceClient kms, string keyId)
    {
        var account = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }).WithTimeout()).KeyMetadata.AWSAccountId;
        var root = $"arn:aws:iam::{account}:root";
        var grant = await kms.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = keyId, GranteePrincipal = root, RetiringPrincipal = root, Operations = [GrantOperation.Decrypt, GrantOperation.Encrypt],
            Constraints = new GrantConstraints { EncryptionContextSubset = Context }, Name = "batch",
        }).WithTimeout();
        var listed = Assert.Single((await kms.ListGrantsAsync(new ListGrantsRequest { KeyId = keyId }).WithTimeout()).Grants);
        Assert.Equal(grant.GrantId, listed.GrantId);
        Assert.Equal(["Decrypt", "Encrypt"], listed.Operations.Order());
        Assert.Equal("acme", listed.Constraints.EncryptionContextSubset["tenant"]);
        Assert.NotNull(listed.CreationDate);
        Assert.Contains(grant.GrantId, (await kms.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = root }).WithTimeout())
            .Grants.Select(g => g.GrantId));
        await kms.RetireGrantAsync(new RetireGrantRequest { GrantToken = grant.GrantToken }).WithTimeout();
        var second = await kms.CreateGrantAsync(new CreateGrantRequest { KeyId = keyId, GranteePrincipal = root, Operations = [GrantOperation.Decrypt] })
            .WithTimeout();
        await kms.RevokeGrantAsync(new RevokeGrantRequest { KeyId = keyId, GrantId = second.GrantId }).WithTimeout();
        Assert.Empty((await kms.ListGrantsAsync(new ListGrantsRequest { KeyId = keyId }).WithTimeout()).Grants ?? []);
        await Assert.ThrowsAsync<InvalidGrantIdException>(() => kms.RevokeGrantAsync(new RevokeGrantRequest { KeyId = keyId, GrantId = second.GrantId }));
    }

    private static async Task AsymmetricAndMacKeysAsync(AmazonKeyManagementServiceClient kms)
    {
        var rsa = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.RSA_2048, KeyUsage = KeyUsageType.ENCRYPT_DECRYPT }).WithTimeout()).KeyMetadata;
        var publicKey = await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = rsa.KeyId }).WithTimeout();
        Assert.Equal(KeySpec.RSA_2048, publicKey.KeySpec);
        using var local = RSA.Create();
        local.ImportSubjectPublicKeyInfo(publicKey.PublicKey.ToArray(), out _);
        var sealedLocally = local.Encrypt("for kms"u8.ToArray(), RSAEncryptionPadding.OaepSHA256);
        Assert.Equal("for kms", Encoding.UTF8.GetString((await kms.DecryptAsync(new DecryptRequest
        {
            KeyId = rsa.KeyId, CiphertextBlob = new MemoryStream(sealedLocally), EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
        }).WithTimeout()).Plaintext.ToArray()));

        var signer = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }).WithTimeout())
            .KeyMetadata.KeyId;
        var signature = await kms.SignAsync(new SignRequest
        {
            KeyId = signer, Message = new MemoryStream("order 42"u8.ToArray()), MessageType = MessageType.RAW, SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
        }).WithTimeout();
        Assert.True((await kms.VerifyAsync(new VerifyRequest
        {
            KeyId = signer, Message = new MemoryStream("order 42"u8.ToArray()), Signature = signature.Signature, SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
        }).WithTimeout()).SignatureValid);
        await Assert.ThrowsAsync<KMSInvalidSignatureException>(() => kms.VerifyAsync(new VerifyRequest
        {
            KeyId = signer, Message = new MemoryStream("order 43"u8.ToArray()), Signature = signature.Signature, SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
        }));

        var mac = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.HMAC_256, KeyUsage = KeyUsageType.GENERATE_VERIFY_MAC }).WithTimeout())
            .KeyMetadata;
        Assert.Null(mac.EncryptionAlgorithms);
        var tag = await kms.GenerateMacAsync(new GenerateMacRequest { KeyId = mac.KeyId, Message = new MemoryStream([1, 2, 3]), MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256 })
            .WithTimeout();
        Assert.True((await kms.VerifyMacAsync(new VerifyMacRequest
        {
            KeyId = mac.KeyId, Message = new MemoryStream([1, 2, 3]), Mac = tag.Mac, MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256,
        }).WithTimeout()).MacValid);

        var agreement = (await kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.KEY_AGREEMENT }).WithTimeout())
            .KeyMetadata.KeyId;
        using var mine = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var shared = await kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = agreement, KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.ECDH, PublicKey = new MemoryStream(mine.ExportSubjectPublicKeyInfo()),
        }).WithTimeout();
        using var theirs = ECDiffieHellman.Create();
        theirs.ImportSubjectPublicKeyInfo((await kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = agreement }).WithTimeout()).PublicKey.ToArray(), out _);
        Assert.Equal(mine.DeriveRawSecretAgreement(theirs.PublicKey), shared.SharedSecret.ToArray());

        var pair = await kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = (await kms.CreateKeyAsync(new CreateKeyRequest()).WithTimeout())
            .KeyMetadata.KeyId, KeyPairSpec = DataKeyPairSpec.ECC_NIST_P256 }).WithTimeout();
        using var pairKey = ECDsa.Create();
        pairKey.ImportPkcs8PrivateKey(pair.PrivateKeyPlaintext.ToArray(), out _);
        Assert.Equal(pair.PublicKey.ToArray(), pairKey.ExportSubjectPublicKeyInfo());
        var withoutPlaintext = await kms.GenerateDataKeyPairWithoutPlaintextAsync(new GenerateDataKeyPairWithoutPlaintextRequest
        {
            KeyId = pair.KeyId, KeyPairSpec = DataKeyPairSpec.RSA_2048,
        }).WithTimeout();
        Assert.NotEmpty(withoutPlaintext.PrivateKeyCiphertextBlob.ToArray());
        Assert.Equal(DataKeyPairSpec.RSA_2048, withoutPlaintext.KeyPairSpec);
    }

    private static async Task ImportedMaterialAsync(AmazonKeyManagementServiceClient kms)
    {
        var keyId = (await kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL }).WithTimeout()).KeyMetadata.KeyId;
        Assert.Equal(KeyState.PendingImport, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }).WithTimeout()).KeyMetadata.KeyState);
        var parameters = await kms.GetParametersForImportAsync(new GetParametersForImportRequest
        {
            KeyId = keyId, WrappingAlgorithm = AlgorithmSpec.RSAES_OAEP_SHA_256, WrappingKeySpec = WrappingKeySpec.RSA_2048,
        }).WithTimeout();
        Assert.InRange(parameters.ParametersValidTo!.Value, DateTime.UtcNow, DateTime.UtcNow.AddHours(25));
        using var wrapping = RSA.Create();
        wrapping.ImportSubjectPublicKeyInfo(parameters.PublicKey.ToArray(), out _);
        var material = RandomNumberGenerator.GetBytes(32);
        await kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = keyId, ImportToken = parameters.ImportToken, EncryptedKeyMaterial = new MemoryStream(wrapping.Encrypt(material, RSAEncryptionPadding.OaepSHA256)),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_EXPIRES, ValidTo = DateTime.UtcNow.AddDays(30),
        }).WithTimeout();
        var metadata = (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }).WithTimeout()).KeyMetadata;
        Assert.Equal(KeyState.Enabled, metadata.KeyState);
        Assert.InRange(metadata.ValidTo!.Value, DateTime.UtcNow.AddDays(29.9), DateTime.UtcNow.AddDays(30.1));
        Assert.NotEmpty((await kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([7]) }).WithTimeout()).CiphertextBlob.ToArray());
        await kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = keyId }).WithTimeout();
        Assert.Equal(KeyState.PendingImport, (await kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }).WithTimeout()).KeyMetadata.KeyState);
    }
}
