using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Org.BouncyCastle.Security;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>Every key spec and algorithm through a real RegionNode over gRPC.</summary>
public sealed class CryptoOperationsTests(InProcessNodeFixture fixture) : IClassFixture<InProcessNodeFixture>
{
    private InProcessRegionNode Node => fixture.Node;

    public static TheoryData<KeySpec, KeyUsageType> SpecsAndUsages() => new()
    {
        { KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt },
        { KeySpec.Rsa2048, KeyUsageType.EncryptDecrypt }, { KeySpec.Rsa2048, KeyUsageType.SignVerify },
        { KeySpec.Rsa3072, KeyUsageType.EncryptDecrypt }, { KeySpec.Rsa3072, KeyUsageType.SignVerify },
        { KeySpec.Rsa4096, KeyUsageType.EncryptDecrypt }, { KeySpec.Rsa4096, KeyUsageType.SignVerify },
        { KeySpec.EccNistP256, KeyUsageType.SignVerify }, { KeySpec.EccNistP256, KeyUsageType.KeyAgreement },
        { KeySpec.EccNistP384, KeyUsageType.SignVerify }, { KeySpec.EccNistP384, KeyUsageType.KeyAgreement },
        { KeySpec.EccNistP521, KeyUsageType.SignVerify }, { KeySpec.EccNistP521, KeyUsageType.KeyAgreement },
        { KeySpec.EccSecgP256K1, KeyUsageType.SignVerify },
        { KeySpec.EccNistEdwards25519, KeyUsageType.SignVerify },
        { KeySpec.Hmac224, KeyUsageType.GenerateVerifyMac }, { KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac },
        { KeySpec.Hmac384, KeyUsageType.GenerateVerifyMac }, { KeySpec.Hmac512, KeyUsageType.GenerateVerifyMac },
        { KeySpec.MlDsa44, KeyUsageType.SignVerify }, { KeySpec.MlDsa65, KeyUsageType.SignVerify }, { KeySpec.MlDsa87, KeyUsageType.SignVerify },
    };

    [Theory]
    [MemberData(nameof(SpecsAndUsages))]
    public async Task CreateKey_EverySpecAndUsage_DescribesFullMetadata(KeySpec spec, KeyUsageType usage)
    {
        var created = await Node.CreateAsync(spec, usage, description: "spec test");
        var described = (await Node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = created.Arn }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Equal(created, described);
        Assert.Equal(KeyState.Enabled, described.KeyState);
        Assert.True(described.Enabled);
        Assert.Equal(spec, described.KeySpec);
        Assert.Equal(usage, described.KeyUsage);
        Assert.Equal(OriginType.AwsKms, described.Origin);
        Assert.Equal(KeyManagerType.Customer, described.KeyManager);
        Assert.Equal("111122223333", described.AwsAccountId);
        Assert.Equal($"arn:aws:kms:us-east-1:111122223333:key/{described.KeyId}", described.Arn);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", described.KeyId);
        Assert.False(described.MultiRegion);
        Assert.Null(described.MultiRegionConfiguration);
        var algorithms = described.EncryptionAlgorithms.Count + described.SigningAlgorithms.Count + described.MacAlgorithms.Count
                         + described.KeyAgreementAlgorithms.Count;
        Assert.True(algorithms > 0);
        Assert.Equal(spec == KeySpec.SymmetricDefault, described.CurrentKeyMaterialId.Length == 64);
    }

    [Fact]
    public async Task CreateKey_MultiRegion_MrkIdAndPrimaryWithoutReplicas()
    {
        var key = await Node.CreateAsync(multiRegion: true);
        Assert.Matches("^mrk-[0-9a-f]{32}$", key.KeyId);
        Assert.True(key.MultiRegion);
        Assert.Equal(MultiRegionKeyType.Primary, key.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal("us-east-1", key.MultiRegionConfiguration.PrimaryKey.Region);
        Assert.Equal(key.Arn, key.MultiRegionConfiguration.PrimaryKey.Arn);
        Assert.Empty(key.MultiRegionConfiguration.ReplicaKeys);
    }

    [Fact]
    public async Task EncryptDecrypt_Symmetric_ByIdArnAndAlias_KeyIdOptional()
    {
        var key = await Node.CreateAsync();
        await Node.Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/crypto-test", TargetKeyId = key.KeyId }, deadline: Deadline.Soon);
        var context = new Dictionary<string, string> { ["tenant"] = "42" };
        foreach (var id in new[] { key.KeyId, key.Arn, "alias/crypto-test", "arn:aws:kms:us-east-1:111122223333:alias/crypto-test" })
        {
            var request = new EncryptRequest { KeyId = id, Plaintext = ByteString.CopyFromUtf8("hello " + id) };
            request.EncryptionContext.Add(context);
            var encrypted = await Node.Kms.EncryptAsync(request, deadline: Deadline.Soon);
            Assert.Equal(key.Arn, encrypted.KeyId);
            Assert.Equal(EncryptionAlgorithmSpec.SymmetricDefault, encrypted.EncryptionAlgorithm);

            var decrypt = new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob };
            decrypt.EncryptionContext.Add(context);
            var decrypted = await Node.Kms.DecryptAsync(decrypt, deadline: Deadline.Soon);
            Assert.Equal("hello " + id, decrypted.Plaintext.ToStringUtf8());
            Assert.Equal(key.Arn, decrypted.KeyId);
            Assert.Equal(key.CurrentKeyMaterialId, decrypted.KeyMaterialId);
        }
    }

    [Fact]
    public async Task Decrypt_WrongContextOrFlippedBit_InvalidCiphertext_WrongKey_IncorrectKey()
    {
        var key = await Node.CreateAsync();
        var other = await Node.CreateAsync();
        var request = new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("p") };
        request.EncryptionContext.Add("a", "1");
        var blob = (await Node.Kms.EncryptAsync(request, deadline: Deadline.Soon)).CiphertextBlob.ToByteArray();

        await Errors.ExpectAsync("InvalidCiphertextException",
            Node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = ByteString.CopyFrom(blob) }, deadline: Deadline.Soon));
        var flipped = (byte[])blob.Clone();
        flipped[^3] ^= 0x10;
        var withContext = new DecryptRequest { CiphertextBlob = ByteString.CopyFrom(flipped) };
        withContext.EncryptionContext.Add("a", "1");
        await Errors.ExpectAsync("InvalidCiphertextException", Node.Kms.DecryptAsync(withContext, deadline: Deadline.Soon));
        var wrongKey = new DecryptRequest { CiphertextBlob = ByteString.CopyFrom(blob), KeyId = other.KeyId };
        wrongKey.EncryptionContext.Add("a", "1");
        await Errors.ExpectAsync("IncorrectKeyException", Node.Kms.DecryptAsync(wrongKey, deadline: Deadline.Soon));
    }

    [Theory]
    [InlineData(KeySpec.Rsa2048, EncryptionAlgorithmSpec.RsaesOaepSha1)]
    [InlineData(KeySpec.Rsa3072, EncryptionAlgorithmSpec.RsaesOaepSha256)]
    [InlineData(KeySpec.Rsa4096, EncryptionAlgorithmSpec.RsaesOaepSha256)]
    public async Task EncryptDecrypt_Rsa_RoundTripsAndPublicKeyEncryptsToo(KeySpec spec, EncryptionAlgorithmSpec algorithm)
    {
        var key = await Node.CreateAsync(spec, KeyUsageType.EncryptDecrypt);
        var encrypted = await Node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("rsa secret"), EncryptionAlgorithm = algorithm,
        }, deadline: Deadline.Soon);
        var decrypted = await Node.Kms.DecryptAsync(new DecryptRequest
        {
            KeyId = key.KeyId, CiphertextBlob = encrypted.CiphertextBlob, EncryptionAlgorithm = algorithm,
        }, deadline: Deadline.Soon);
        Assert.Equal("rsa secret", decrypted.Plaintext.ToStringUtf8());

        // A client encrypting offline with the public key, as AWS documents, gets a ciphertext the key decrypts.
        var publicKey = (await Node.Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).PublicKey;
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(publicKey.Span, out _);
        var offline = rsa.Encrypt("offline"u8.ToArray(),
            algorithm == EncryptionAlgorithmSpec.RsaesOaepSha1 ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256);
        var fromOffline = await Node.Kms.DecryptAsync(new DecryptRequest
        {
            KeyId = key.Arn, CiphertextBlob = ByteString.CopyFrom(offline), EncryptionAlgorithm = algorithm,
        }, deadline: Deadline.Soon);
        Assert.Equal("offline", fromOffline.Plaintext.ToStringUtf8());

        await Errors.ExpectAsync("ValidationException", Node.Kms.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = encrypted.CiphertextBlob, EncryptionAlgorithm = algorithm,
        }, deadline: Deadline.Soon));
    }

    public static TheoryData<KeySpec, SigningAlgorithmSpec> SigningPairs() => new()
    {
        { KeySpec.Rsa2048, SigningAlgorithmSpec.RsassaPssSha256 }, { KeySpec.Rsa2048, SigningAlgorithmSpec.RsassaPssSha384 },
        { KeySpec.Rsa2048, SigningAlgorithmSpec.RsassaPssSha512 }, { KeySpec.Rsa2048, SigningAlgorithmSpec.RsassaPkcs1V15Sha256 },
        { KeySpec.Rsa3072, SigningAlgorithmSpec.RsassaPkcs1V15Sha384 }, { KeySpec.Rsa4096, SigningAlgorithmSpec.RsassaPkcs1V15Sha512 },
        { KeySpec.EccNistP256, SigningAlgorithmSpec.EcdsaSha256 }, { KeySpec.EccNistP384, SigningAlgorithmSpec.EcdsaSha384 },
        { KeySpec.EccNistP521, SigningAlgorithmSpec.EcdsaSha512 }, { KeySpec.EccSecgP256K1, SigningAlgorithmSpec.EcdsaSha256 },
    };

    /// <summary>Signatures from the node verify with BouncyCastle, independent of the runtime the node signs with.</summary>
    [Theory]
    [MemberData(nameof(SigningPairs))]
    public async Task Sign_RawAndDigest_VerifyInNodeAndWithIndependentLibrary(KeySpec spec, SigningAlgorithmSpec algorithm)
    {
        var key = await Node.CreateAsync(spec, KeyUsageType.SignVerify);
        var message = RandomNumberGenerator.GetBytes(4096);
        var raw = await Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(message), MessageType = MessageType.Raw, SigningAlgorithm = algorithm,
        }, deadline: Deadline.Soon);
        var digest = HashFor(algorithm)(message);
        var fromDigest = await Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(digest), MessageType = MessageType.Digest, SigningAlgorithm = algorithm,
        }, deadline: Deadline.Soon);

        var publicKey = PublicKeyFactory.CreateKey(
            (await Node.Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).PublicKey.ToByteArray());
        foreach (var signature in new[] { raw.Signature, fromDigest.Signature })
        {
            var verifier = SignerUtilities.GetSigner(BouncySignerNames.For(algorithm.ToString()));
            verifier.Init(false, publicKey);
            verifier.BlockUpdate(message, 0, message.Length);
            Assert.True(verifier.VerifySignature(signature.ToByteArray()));

            var verified = await Node.Kms.VerifyAsync(new VerifyRequest
            {
                KeyId = key.Arn, Message = ByteString.CopyFrom(message), MessageType = MessageType.Raw, Signature = signature,
                SigningAlgorithm = algorithm,
            }, deadline: Deadline.Soon);
            Assert.True(verified.SignatureValid);
        }

        message[0] ^= 1;
        await Errors.ExpectAsync("KMSInvalidSignatureException", Node.Kms.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(message), Signature = raw.Signature, SigningAlgorithm = algorithm,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(digest[1..]), MessageType = MessageType.Digest, SigningAlgorithm = algorithm,
        }, deadline: Deadline.Soon));
    }

    [Fact]
    public async Task Sign_Ed25519_VerifiesWithOpenSsl()
    {
        var key = await Node.CreateAsync(KeySpec.EccNistEdwards25519, KeyUsageType.SignVerify);
        var message = "ed25519 message"u8.ToArray();
        var signature = (await Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(message), SigningAlgorithm = SigningAlgorithmSpec.Ed25519Sha512,
        }, deadline: Deadline.Soon)).Signature.ToByteArray();
        var publicKey = (await Node.Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).PublicKey;
        Assert.True(await OpenSsl.VerifyEd25519Async(publicKey.ToByteArray(), message, signature));
        signature[0] ^= 1;
        Assert.False(await OpenSsl.VerifyEd25519Async(publicKey.ToByteArray(), message, signature));
        await Errors.ExpectAsync("ValidationException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(new byte[64]), MessageType = MessageType.Digest,
            SigningAlgorithm = SigningAlgorithmSpec.Ed25519Sha512,
        }, deadline: Deadline.Soon));
    }

    [Theory]
    [InlineData(KeySpec.MlDsa44)]
    [InlineData(KeySpec.MlDsa65)]
    [InlineData(KeySpec.MlDsa87)]
    public async Task Sign_MlDsa_VerifiesAgainstPublishedPublicKey(KeySpec spec)
    {
        var key = await Node.CreateAsync(spec, KeyUsageType.SignVerify);
        var message = "post-quantum"u8.ToArray();
        var signature = (await Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(message), SigningAlgorithm = SigningAlgorithmSpec.MlDsaShake256,
        }, deadline: Deadline.Soon)).Signature.ToByteArray();
        var publicKey = PublicKeyFactory.CreateKey(
            (await Node.Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).PublicKey.ToByteArray());
        var verifier = SignerUtilities.GetSigner(spec switch { KeySpec.MlDsa44 => "ML-DSA-44", KeySpec.MlDsa65 => "ML-DSA-65", _ => "ML-DSA-87" });
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(message, 0, message.Length);
        Assert.True(verifier.VerifySignature(signature));
        var verified = await Node.Kms.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(message), Signature = ByteString.CopyFrom(signature),
            SigningAlgorithm = SigningAlgorithmSpec.MlDsaShake256,
        }, deadline: Deadline.Soon);
        Assert.True(verified.SignatureValid);
    }

    [Theory]
    [InlineData(KeySpec.Hmac224, MacAlgorithmSpec.HmacSha224)]
    [InlineData(KeySpec.Hmac256, MacAlgorithmSpec.HmacSha256)]
    [InlineData(KeySpec.Hmac384, MacAlgorithmSpec.HmacSha384)]
    [InlineData(KeySpec.Hmac512, MacAlgorithmSpec.HmacSha512)]
    public async Task GenerateMac_ThenVerify_AndWrongMacRefused(KeySpec spec, MacAlgorithmSpec algorithm)
    {
        var key = await Node.CreateAsync(spec, KeyUsageType.GenerateVerifyMac);
        var message = ByteString.CopyFromUtf8("mac me");
        var mac = (await Node.Kms.GenerateMacAsync(new GenerateMacRequest { KeyId = key.KeyId, Message = message, MacAlgorithm = algorithm },
            deadline: Deadline.Soon)).Mac;
        var again = (await Node.Kms.GenerateMacAsync(new GenerateMacRequest { KeyId = key.Arn, Message = message, MacAlgorithm = algorithm },
            deadline: Deadline.Soon)).Mac;
        Assert.Equal(mac, again);
        var verified = await Node.Kms.VerifyMacAsync(new VerifyMacRequest { KeyId = key.KeyId, Message = message, MacAlgorithm = algorithm, Mac = mac },
            deadline: Deadline.Soon);
        Assert.True(verified.MacValid);
        var wrong = mac.ToByteArray();
        wrong[0] ^= 1;
        await Errors.ExpectAsync("KMSInvalidMacException", Node.Kms.VerifyMacAsync(new VerifyMacRequest
        {
            KeyId = key.KeyId, Message = message, MacAlgorithm = algorithm, Mac = ByteString.CopyFrom(wrong),
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("InvalidKeyUsageException", Node.Kms.GenerateMacAsync(new GenerateMacRequest
        {
            KeyId = key.KeyId, Message = message, MacAlgorithm = algorithm == MacAlgorithmSpec.HmacSha256 ? MacAlgorithmSpec.HmacSha512 : MacAlgorithmSpec.HmacSha256,
        }, deadline: Deadline.Soon));
    }

    [Theory]
    [InlineData(KeySpec.EccNistP256, "nistP256")]
    [InlineData(KeySpec.EccNistP384, "nistP384")]
    [InlineData(KeySpec.EccNistP521, "nistP521")]
    public async Task DeriveSharedSecret_MatchesClientSideEcdh(KeySpec spec, string curveName)
    {
        var key = await Node.CreateAsync(spec, KeyUsageType.KeyAgreement);
        using var client = ECDiffieHellman.Create(ECCurve.CreateFromFriendlyName(curveName));
        var derived = await Node.Kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = key.KeyId, KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.Ecdh,
            PublicKey = ByteString.CopyFrom(client.ExportSubjectPublicKeyInfo()),
        }, deadline: Deadline.Soon);
        var kmsPublic = (await Node.Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).PublicKey;
        using var peer = ECDiffieHellman.Create();
        peer.ImportSubjectPublicKeyInfo(kmsPublic.Span, out _);
        Assert.Equal(client.DeriveRawSecretAgreement(peer.PublicKey), derived.SharedSecret.ToByteArray());
        Assert.Equal(OriginType.AwsKms, derived.KeyOrigin);

        using var otherCurve = ECDiffieHellman.Create(spec == KeySpec.EccNistP384 ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP384);
        await Errors.ExpectAsync("ValidationException", Node.Kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = key.KeyId, KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.Ecdh,
            PublicKey = ByteString.CopyFrom(otherCurve.ExportSubjectPublicKeyInfo()),
        }, deadline: Deadline.Soon));
    }

    [Fact]
    public async Task GenerateDataKey_AllForms_DecryptToTheSameKey()
    {
        var key = await Node.CreateAsync();
        var withPlaintext = new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.Aes256 };
        withPlaintext.EncryptionContext.Add("purpose", "dk");
        var dataKey = await Node.Kms.GenerateDataKeyAsync(withPlaintext, deadline: Deadline.Soon);
        Assert.Equal(32, dataKey.Plaintext.Length);
        var decrypt = new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob };
        decrypt.EncryptionContext.Add("purpose", "dk");
        Assert.Equal(dataKey.Plaintext, (await Node.Kms.DecryptAsync(decrypt, deadline: Deadline.Soon)).Plaintext);

        var sized = await Node.Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, NumberOfBytes = 1024 }, deadline: Deadline.Soon);
        Assert.Equal(1024, sized.Plaintext.Length);
        var aes128 = await Node.Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.Aes128 }, deadline: Deadline.Soon);
        Assert.Equal(16, aes128.Plaintext.Length);

        var without = await Node.Kms.GenerateDataKeyWithoutPlaintextAsync(
            new GenerateDataKeyWithoutPlaintextRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.Aes256 }, deadline: Deadline.Soon);
        var recovered = await Node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = without.CiphertextBlob }, deadline: Deadline.Soon);
        Assert.Equal(32, recovered.Plaintext.Length);

        await Errors.ExpectAsync("ValidationException", Node.Kms.GenerateDataKeyAsync(
            new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.Aes256, NumberOfBytes = 32 }, deadline: Deadline.Soon));
        var rsa = await Node.CreateAsync(KeySpec.Rsa2048, KeyUsageType.EncryptDecrypt);
        await Errors.ExpectAsync("InvalidKeyUsageException", Node.Kms.GenerateDataKeyAsync(
            new GenerateDataKeyRequest { KeyId = rsa.KeyId, KeySpec = DataKeySpec.Aes256 }, deadline: Deadline.Soon));
    }

    [Theory]
    [InlineData(DataKeyPairSpec.Rsa2048)]
    [InlineData(DataKeyPairSpec.Rsa4096)]
    [InlineData(DataKeyPairSpec.EccNistP256)]
    [InlineData(DataKeyPairSpec.EccNistP521)]
    [InlineData(DataKeyPairSpec.EccSecgP256K1)]
    [InlineData(DataKeyPairSpec.EccNistEdwards25519)]
    public async Task GenerateDataKeyPair_PrivateCiphertextDecryptsToThePrivateKey(DataKeyPairSpec spec)
    {
        var key = await Node.CreateAsync();
        var pair = await Node.Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = spec }, deadline: Deadline.Soon);
        var privateKey = await Node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = pair.PrivateKeyCiphertextBlob }, deadline: Deadline.Soon);
        Assert.Equal(pair.PrivateKeyPlaintext, privateKey.Plaintext);
        var parsed = PrivateKeyFactory.CreateKey(pair.PrivateKeyPlaintext.ToByteArray());
        var derivedPublic = Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(
            parsed switch
            {
                Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters r => new Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters(false, r.Modulus, r.PublicExponent),
                Org.BouncyCastle.Crypto.Parameters.ECPrivateKeyParameters e => new Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters(
                    e.AlgorithmName, e.Parameters.G.Multiply(e.D).Normalize(), e.PublicKeyParamSet),
                Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters ed => ed.GeneratePublicKey(),
                _ => throw new InvalidOperationException(parsed.GetType().Name),
            });
        Assert.Equal(PublicKeyFactory.CreateKey(derivedPublic), PublicKeyFactory.CreateKey(pair.PublicKey.ToByteArray()));

        var without = await Node.Kms.GenerateDataKeyPairWithoutPlaintextAsync(
            new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = key.KeyId, KeyPairSpec = spec }, deadline: Deadline.Soon);
        Assert.False(without.PublicKey.IsEmpty);
        Assert.Equal(spec, without.KeyPairSpec);
    }

    /// <summary>
    /// An Ed25519 data key pair's private key is PKCS#8 version 1, as AWS returns it: openssl (3.0) and Python's
    /// cryptography, two independent readers, both load it and derive the public key KMS returned.
    /// </summary>
    [Fact]
    public async Task GenerateDataKeyPair_Ed25519_PrivateKeyReadByOpenSslAndPython()
    {
        var key = await Node.CreateAsync();
        var pair = await Node.Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.EccNistEdwards25519 },
            deadline: Deadline.Soon);
        var privateKey = pair.PrivateKeyPlaintext.ToByteArray();
        Assert.Equal(0, Org.BouncyCastle.Asn1.Pkcs.PrivateKeyInfo.GetInstance(privateKey).Version.IntValueExact);
        Assert.Equal(pair.PublicKey.ToByteArray(), await OpenSsl.PublicKeyOfAsync(privateKey));

        using var folder = new TempDirectory();
        await File.WriteAllBytesAsync(folder.Sub("key.der"), privateKey);
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", """
            import sys
            from cryptography.hazmat.primitives import serialization
            key = serialization.load_der_private_key(open(sys.argv[1], "rb").read(), password=None)
            print(key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo).hex())
            """, folder.Sub("key.der") })
        {
            start.ArgumentList.Add(argument);
        }

        using var python = System.Diagnostics.Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync().WithTimeout();
        Assert.True(python.ExitCode == 0, await error);
        Assert.Equal(Convert.ToHexStringLower(pair.PublicKey.ToByteArray()), (await output).Trim());
    }

    /// <summary>
    /// DryRun on every cryptographic operation: the checks run and the call answers DryRunOperationException without
    /// using the key; a request that is wrong still answers its own error first.
    /// </summary>
    [Fact]
    public async Task DryRun_EveryCryptographicOperation_AnswersDryRunOperation_WrongRequestsTheirOwnError()
    {
        var symmetric = await Node.CreateAsync();
        var signing = await Node.CreateAsync(KeySpec.EccNistP256, KeyUsageType.SignVerify);
        var mac = await Node.CreateAsync(KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac);
        var agreement = await Node.CreateAsync(KeySpec.EccNistP256, KeyUsageType.KeyAgreement);
        var blob = (await Node.Kms.EncryptAsync(new EncryptRequest { KeyId = symmetric.KeyId, Plaintext = ByteString.CopyFromUtf8("x") }, deadline: Deadline.Soon))
            .CiphertextBlob;
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var message = ByteString.CopyFromUtf8("dry");
        var calls = new Func<Task>[]
        {
            () => Node.Kms.EncryptAsync(new EncryptRequest { KeyId = symmetric.KeyId, Plaintext = message, DryRun = true }, deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, DryRun = true }, deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.ReEncryptAsync(new ReEncryptRequest { CiphertextBlob = blob, DestinationKeyId = symmetric.KeyId, DryRun = true }, deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = symmetric.KeyId, KeySpec = DataKeySpec.Aes256, DryRun = true }, deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = symmetric.KeyId, KeySpec = DataKeySpec.Aes256, DryRun = true },
                deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = symmetric.KeyId, KeyPairSpec = DataKeyPairSpec.EccNistP256, DryRun = true },
                deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.GenerateDataKeyPairWithoutPlaintextAsync(new GenerateDataKeyPairWithoutPlaintextRequest
            {
                KeyId = symmetric.KeyId, KeyPairSpec = DataKeyPairSpec.EccNistP256, DryRun = true,
            }, deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.SignAsync(new SignRequest { KeyId = signing.KeyId, Message = message, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256, DryRun = true },
                deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.VerifyAsync(new VerifyRequest
            {
                KeyId = signing.KeyId, Message = message, Signature = ByteString.CopyFrom(new byte[64]), SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256, DryRun = true,
            }, deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.GenerateMacAsync(new GenerateMacRequest { KeyId = mac.KeyId, Message = message, MacAlgorithm = MacAlgorithmSpec.HmacSha256, DryRun = true },
                deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.VerifyMacAsync(new VerifyMacRequest
            {
                KeyId = mac.KeyId, Message = message, Mac = ByteString.CopyFrom(new byte[32]), MacAlgorithm = MacAlgorithmSpec.HmacSha256, DryRun = true,
            }, deadline: Deadline.Soon).ResponseAsync,
            () => Node.Kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
            {
                KeyId = agreement.KeyId, KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.Ecdh, PublicKey = ByteString.CopyFrom(peer.ExportSubjectPublicKeyInfo()), DryRun = true,
            }, deadline: Deadline.Soon).ResponseAsync,
        };
        foreach (var call in calls)
        {
            await Errors.ExpectAsync("DryRunOperationException", call);
        }

        await Errors.ExpectAsync("InvalidKeyUsageException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = symmetric.KeyId, Message = message, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256, DryRun = true,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.EncryptAsync(new EncryptRequest { KeyId = symmetric.KeyId, DryRun = true }, deadline: Deadline.Soon));
    }

    /// <summary>AWS refuses an asymmetric or HMAC key spec without a KeyUsage, in these words (recorded against AWS).</summary>
    [Theory]
    [InlineData(KeySpec.Rsa2048)]
    [InlineData(KeySpec.EccNistP256)]
    [InlineData(KeySpec.Hmac256)]
    public async Task NonSymmetricKeySpec_WithoutKeyUsage_RefusedInAwsWords(KeySpec spec)
    {
        var refused = await Errors.ExpectAsync("ValidationException", Node.Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec }, deadline: Deadline.Soon));
        Assert.Equal("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.", refused.Status.Detail);
    }

    [Fact]
    public async Task EccSecgP256K1_KeyAgreement_Refused_AsAwsOffersItForSigningOnly()
    {
        await Errors.ExpectAsync("ValidationException", Node.Kms.CreateKeyAsync(
            new CreateKeyRequest { KeySpec = KeySpec.EccSecgP256K1, KeyUsage = KeyUsageType.KeyAgreement }, deadline: Deadline.Soon));
    }

    /// <summary>
    /// ED25519_PH_SHA_512 signs a DIGEST (a SHA-512 of the message) and prehashes it again, as AWS documents: the
    /// signature is Ed25519ph over the digest, which BouncyCastle's Ed25519ph verifies. RAW is refused for it, and
    /// EXTERNAL_MU belongs to ML-DSA only.
    /// </summary>
    [Fact]
    public async Task Ed25519ph_SignsDigests_VerifiesIndependently_OtherMessageTypesRefused()
    {
        var key = await Node.CreateAsync(KeySpec.EccNistEdwards25519, KeyUsageType.SignVerify);
        var described = (await Node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Contains(SigningAlgorithmSpec.Ed25519PhSha512, described.SigningAlgorithms);
        var digest = SHA512.HashData("prehashed message"u8);
        var signed = await Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(digest), MessageType = MessageType.Digest, SigningAlgorithm = SigningAlgorithmSpec.Ed25519PhSha512,
        }, deadline: Deadline.Soon);
        var publicKey = PublicKeyFactory.CreateKey(
            (await Node.Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).PublicKey.ToByteArray());
        var verifier = new Org.BouncyCastle.Crypto.Signers.Ed25519phSigner([]);
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(digest, 0, digest.Length);
        Assert.True(verifier.VerifySignature(signed.Signature.ToByteArray()));
        Assert.True((await Node.Kms.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(digest), MessageType = MessageType.Digest, Signature = signed.Signature,
            SigningAlgorithm = SigningAlgorithmSpec.Ed25519PhSha512,
        }, deadline: Deadline.Soon)).SignatureValid);

        await Errors.ExpectAsync("ValidationException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(digest), MessageType = MessageType.Raw, SigningAlgorithm = SigningAlgorithmSpec.Ed25519PhSha512,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(digest), MessageType = MessageType.Digest, SigningAlgorithm = SigningAlgorithmSpec.Ed25519Sha512,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(digest), MessageType = MessageType.ExternalMu, SigningAlgorithm = SigningAlgorithmSpec.Ed25519PhSha512,
        }, deadline: Deadline.Soon));
    }

    /// <summary>
    /// EXTERNAL_MU (a caller-computed ML-DSA mu) is refused with UnsupportedOperationException: the ML-DSA engines this
    /// service can use sign messages, not a given mu. Its checks still answer as AWS does (64 bytes, ML-DSA only).
    /// </summary>
    [Fact]
    public async Task MlDsa_ExternalMu_RefusedAsUnsupported_OtherShapesAsInvalid()
    {
        var key = await Node.CreateAsync(KeySpec.MlDsa44, KeyUsageType.SignVerify);
        SignRequest Mu(int length) => new()
        {
            KeyId = key.KeyId, Message = ByteString.CopyFrom(new byte[length]), MessageType = MessageType.ExternalMu,
            SigningAlgorithm = SigningAlgorithmSpec.MlDsaShake256,
        };
        await Errors.ExpectAsync("UnsupportedOperationException", Node.Kms.SignAsync(Mu(64), deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.SignAsync(Mu(32), deadline: Deadline.Soon));
    }

    [Fact]
    public async Task ReEncrypt_ToAnotherKeyAndContext_DecryptsUnderTheNewOne()
    {
        var source = await Node.CreateAsync();
        var destination = await Node.CreateAsync();
        var encrypt = new EncryptRequest { KeyId = source.KeyId, Plaintext = ByteString.CopyFromUtf8("move me") };
        encrypt.EncryptionContext.Add("from", "a");
        var blob = (await Node.Kms.EncryptAsync(encrypt, deadline: Deadline.Soon)).CiphertextBlob;
        var reEncrypt = new ReEncryptRequest { CiphertextBlob = blob, DestinationKeyId = destination.KeyId };
        reEncrypt.SourceEncryptionContext.Add("from", "a");
        reEncrypt.DestinationEncryptionContext.Add("to", "b");
        var moved = await Node.Kms.ReEncryptAsync(reEncrypt, deadline: Deadline.Soon);
        Assert.Equal(source.Arn, moved.SourceKeyId);
        Assert.Equal(destination.Arn, moved.KeyId);
        var decrypt = new DecryptRequest { CiphertextBlob = moved.CiphertextBlob };
        decrypt.EncryptionContext.Add("to", "b");
        var plain = await Node.Kms.DecryptAsync(decrypt, deadline: Deadline.Soon);
        Assert.Equal("move me", plain.Plaintext.ToStringUtf8());
        Assert.Equal(destination.Arn, plain.KeyId);
    }

    [Fact]
    public async Task GenerateRandom_Bounds()
    {
        var random = await Node.Kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 1024 }, deadline: Deadline.Soon);
        Assert.Equal(1024, random.Plaintext.Length);
        await Errors.ExpectAsync("ValidationException", Node.Kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 1025 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 0 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.GenerateRandomAsync(new GenerateRandomRequest(), deadline: Deadline.Soon));
    }

    [Fact]
    public async Task WrongUsage_Refused_WithAwsNames()
    {
        var symmetric = await Node.CreateAsync();
        var signing = await Node.CreateAsync(KeySpec.EccNistP256, KeyUsageType.SignVerify);
        await Errors.ExpectAsync("InvalidKeyUsageException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = symmetric.KeyId, Message = ByteString.CopyFromUtf8("x"), SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("InvalidKeyUsageException", Node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = signing.KeyId, Plaintext = ByteString.CopyFromUtf8("x"),
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("InvalidKeyUsageException", Node.Kms.SignAsync(new SignRequest
        {
            KeyId = signing.KeyId, Message = ByteString.CopyFromUtf8("x"), SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha384,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("UnsupportedOperationException", Node.Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = symmetric.KeyId }, deadline: Deadline.Soon));
    }

    private static Func<byte[], byte[]> HashFor(SigningAlgorithmSpec algorithm) => algorithm switch
    {
        SigningAlgorithmSpec.RsassaPssSha384 or SigningAlgorithmSpec.RsassaPkcs1V15Sha384 or SigningAlgorithmSpec.EcdsaSha384 => SHA384.HashData,
        SigningAlgorithmSpec.RsassaPssSha512 or SigningAlgorithmSpec.RsassaPkcs1V15Sha512 or SigningAlgorithmSpec.EcdsaSha512 => SHA512.HashData,
        _ => SHA256.HashData,
    };
}
