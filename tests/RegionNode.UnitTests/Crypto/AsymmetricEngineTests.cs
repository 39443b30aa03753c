using System.Collections.Concurrent;
using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.TestSupport;
using Org.BouncyCastle.Security;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

public sealed class AsymmetricEngineTests
{
    private static readonly AsymmetricEngine Engine = new();
    private static readonly KeyMaterialFactory Factory = new();

    // One key per spec for the tests of what is done with a key: generating an RSA key for each case was most of this
    // class's time, and nothing here depends on the key being fresh.
    private static readonly ConcurrentDictionary<KeySpec, Lazy<byte[]>> Keys = new();

    private static byte[] KeyOf(KeySpec spec) => Keys.GetOrAdd(spec, s => new Lazy<byte[]>(() => Factory.Generate(s))).Value;

    public static TheoryData<KeySpec, SigningAlgorithm> SigningPairs()
    {
        var data = new TheoryData<KeySpec, SigningAlgorithm>();
        foreach (var spec in KeySpecCatalog.All.Where(s => s.Usages.Contains(KeyUsage.SIGN_VERIFY)))
        {
            foreach (var algorithm in spec.SigningAlgorithms)
            {
                data.Add(spec.Spec, algorithm);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SigningPairs))]
    public void SignRaw_ThenVerify_RoundTripsAndRejectsTampering(KeySpec spec, SigningAlgorithm algorithm)
    {
        var key = KeyOf(spec);
        var message = RandomNumberGenerator.GetBytes(4096);
        var signature = Engine.Sign(spec, key, algorithm, message, MessageType.RAW);
        Assert.True(Engine.Verify(spec, key, algorithm, message, MessageType.RAW, signature));
        message[0] ^= 1;
        Assert.False(Engine.Verify(spec, key, algorithm, message, MessageType.RAW, signature));
    }

    [Theory]
    [MemberData(nameof(SigningPairs))]
    public void SignDigest_EqualsSignRawOfSameMessage(KeySpec spec, SigningAlgorithm algorithm)
    {
        if (SigningAlgorithmInfo.DigestLength(algorithm) is not { } length || algorithm == SigningAlgorithm.ED25519_PH_SHA_512)
        {
            return; // Ed25519 and ML-DSA sign RAW messages only; Ed25519ph prehashes a DIGEST again (its known answer is below).
        }

        var key = KeyOf(spec);
        var message = "digest me"u8.ToArray();
        var digest = length switch { 32 => SHA256.HashData(message), 48 => SHA384.HashData(message), _ => SHA512.HashData(message) };
        var signature = Engine.Sign(spec, key, algorithm, digest, MessageType.DIGEST);
        Assert.True(Engine.Verify(spec, key, algorithm, message, MessageType.RAW, signature));
    }

    /// <summary>
    /// ED25519_PH_SHA_512 is Ed25519ph of RFC 8032 (SHA-512 prehash, empty context): the engine reproduces the RFC's own
    /// test vector (section 7.3, message "abc") bit for bit, Ed25519 being deterministic.
    /// </summary>
    [Fact]
    public void Ed25519ph_MatchesRfc8032TestVector()
    {
        var secret = Convert.FromHexString("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42");
        var pkcs8 = new Org.BouncyCastle.Asn1.Pkcs.PrivateKeyInfo(
            new Org.BouncyCastle.Asn1.X509.AlgorithmIdentifier(Org.BouncyCastle.Asn1.EdEC.EdECObjectIdentifiers.id_Ed25519),
            new Org.BouncyCastle.Asn1.DerOctetString(secret)).GetDerEncoded();
        var signature = Engine.Sign(KeySpec.ECC_NIST_EDWARDS25519, pkcs8, SigningAlgorithm.ED25519_PH_SHA_512, "abc"u8, MessageType.DIGEST);
        Assert.Equal("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
            Convert.ToHexStringLower(signature));
        Assert.Equal("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            Convert.ToHexStringLower(Engine.PublicKey(KeySpec.ECC_NIST_EDWARDS25519, pkcs8)[^32..]));
    }

    /// <summary>Signatures made through the runtime verify with BouncyCastle, an independent implementation.</summary>
    [Theory]
    [MemberData(nameof(SigningPairs))]
    public void Sign_VerifiesWithIndependentLibrary(KeySpec spec, SigningAlgorithm algorithm)
    {
        if (!CurveNames.IsRsa(spec) && !CurveNames.IsEllipticCurve(spec))
        {
            return; // Ed25519 and ML-DSA are signed by BouncyCastle itself; the runtime verifies Ed25519 in the cluster tests.
        }

        var key = KeyOf(spec);
        var message = "independent check"u8.ToArray();
        var signature = Engine.Sign(spec, key, algorithm, message, MessageType.RAW);
        var publicKey = PublicKeyFactory.CreateKey(Engine.PublicKey(spec, key));
        var verifier = SignerUtilities.GetSigner(BouncySignerNames.For(algorithm.ToString()));
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(message, 0, message.Length);
        Assert.True(verifier.VerifySignature(signature));
    }

    [Theory]
    [InlineData(KeySpec.RSA_2048, EncryptionAlgorithm.RSAES_OAEP_SHA_1)]
    [InlineData(KeySpec.RSA_3072, EncryptionAlgorithm.RSAES_OAEP_SHA_256)]
    [InlineData(KeySpec.RSA_4096, EncryptionAlgorithm.RSAES_OAEP_SHA_256)]
    public void RsaEncrypt_ThenDecrypt_RoundTrips(KeySpec spec, EncryptionAlgorithm algorithm)
    {
        var key = KeyOf(spec);
        var ciphertext = Engine.Encrypt(key, algorithm, "secret"u8);
        Assert.Equal("secret"u8.ToArray(), Engine.Decrypt(key, algorithm, ciphertext));
        ciphertext[^1] ^= 1;
        Assert.Null(Engine.Decrypt(key, algorithm, ciphertext));
    }

    [Theory]
    [InlineData(KeySpec.ECC_NIST_P256)]
    [InlineData(KeySpec.ECC_NIST_P384)]
    [InlineData(KeySpec.ECC_NIST_P521)]
    [InlineData(KeySpec.ECC_SECG_P256K1)]
    public void DeriveSharedSecret_BothSidesAgree(KeySpec spec)
    {
        var alice = Factory.Generate(spec);
        var bob = Factory.Generate(spec);
        var ab = Engine.DeriveSharedSecret(spec, alice, Engine.PublicKey(spec, bob));
        var ba = Engine.DeriveSharedSecret(spec, bob, Engine.PublicKey(spec, alice));
        Assert.NotNull(ab);
        Assert.Equal(ab, ba);
    }

    [Fact]
    public void DeriveSharedSecret_PeerOnOtherCurve_Refused()
    {
        var own = Factory.Generate(KeySpec.ECC_NIST_P256);
        var peer = Factory.Generate(KeySpec.ECC_NIST_P384);
        Assert.Null(Engine.DeriveSharedSecret(KeySpec.ECC_NIST_P256, own, Engine.PublicKey(KeySpec.ECC_NIST_P384, peer)));
        Assert.Null(Engine.DeriveSharedSecret(KeySpec.ECC_NIST_P256, own, [0x30, 0x03, 0x02, 0x01, 0x00]));
    }

    [Theory]
    [InlineData(DataKeyPairSpec.RSA_2048)]
    [InlineData(DataKeyPairSpec.RSA_3072)]
    [InlineData(DataKeyPairSpec.RSA_4096)]
    [InlineData(DataKeyPairSpec.ECC_NIST_P256)]
    [InlineData(DataKeyPairSpec.ECC_NIST_P384)]
    [InlineData(DataKeyPairSpec.ECC_NIST_P521)]
    [InlineData(DataKeyPairSpec.ECC_SECG_P256K1)]
    [InlineData(DataKeyPairSpec.ECC_NIST_EDWARDS25519)]
    public void GenerateKeyPair_PublicKeyMatchesPrivate(DataKeyPairSpec spec)
    {
        var (privateKey, publicKey) = Engine.GenerateKeyPair(spec);
        var parsedPrivate = PrivateKeyFactory.CreateKey(privateKey);
        var parsedPublic = PublicKeyFactory.CreateKey(publicKey);
        Assert.True(parsedPrivate.IsPrivate);
        Assert.False(parsedPublic.IsPrivate);
    }
}
