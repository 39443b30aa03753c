using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

/// <summary>Every Wycheproof vector for every primitive the product uses, through the calls the product makes.</summary>
public sealed class WycheproofTests
{
    private static readonly MacEngine Macs = new();

    [Fact]
    public void AesGcm_AllVectors()
    {
        // The product uses AES-256-GCM (and AES-GCM for the domain key) with 96-bit nonces and 128-bit tags only:
        // vectors of other shapes must be refused by that configuration, never silently accepted.
        Wycheproof.Run("aes_gcm_test.json", (group, test) =>
        {
            var key = test.Hex("key");
            var iv = test.Hex("iv");
            var tag = test.Hex("tag");
            using var gcm = new AesGcm(key, 16);
            var plaintext = new byte[test.Hex("ct").Length];
            if (iv.Length != 12 || tag.Length != 16)
            {
                Assert.ThrowsAny<ArgumentException>(() => gcm.Decrypt(iv, test.Hex("ct"), tag, plaintext, test.Hex("aad")));
                return Wycheproof.Outcome.OutOfScope;
            }

            gcm.Decrypt(iv, test.Hex("ct"), tag, plaintext, test.Hex("aad"));
            return Wycheproof.Of(plaintext.AsSpan().SequenceEqual(test.Hex("msg")));
        });
    }

    [Theory]
    [InlineData("hmac_sha224_test.json", MacAlgorithm.HMAC_SHA_224)]
    [InlineData("hmac_sha256_test.json", MacAlgorithm.HMAC_SHA_256)]
    [InlineData("hmac_sha384_test.json", MacAlgorithm.HMAC_SHA_384)]
    [InlineData("hmac_sha512_test.json", MacAlgorithm.HMAC_SHA_512)]
    public void Hmac_AllVectors(string file, MacAlgorithm algorithm) =>
        Wycheproof.Run(file, (group, test) =>
        {
            var tag = test.Hex("tag");
            if (group.GetProperty("tagSize").GetInt32() / 8 != SigningAlgorithmInfo.MacLength(algorithm))
            {
                // VerifyMac takes only full-length MACs: a truncated one, even if it is a correct prefix, is refused.
                Assert.False(Macs.Verify(algorithm, test.Hex("key"), test.Hex("msg"), tag));
                return Wycheproof.Outcome.OutOfScope;
            }

            return Wycheproof.Of(Macs.Verify(algorithm, test.Hex("key"), test.Hex("msg"), tag));
        });

    [Fact]
    public void Hkdf_AllVectors() =>
        Wycheproof.Run("hkdf_sha256_test.json", (_, test) =>
        {
            var output = new byte[test.GetProperty("size").GetInt32()];
            HKDF.DeriveKey(HashAlgorithmName.SHA256, test.Hex("ikm"), output, test.Hex("salt"), test.Hex("info"));
            return Wycheproof.Of(output.AsSpan().SequenceEqual(test.Hex("okm")));
        });

    [Theory]
    [InlineData("rsa_oaep_2048_sha1_mgf1sha1_test.json", EncryptionAlgorithm.RSAES_OAEP_SHA_1)]
    [InlineData("rsa_oaep_2048_sha256_mgf1sha256_test.json", EncryptionAlgorithm.RSAES_OAEP_SHA_256)]
    [InlineData("rsa_oaep_3072_sha256_mgf1sha256_test.json", EncryptionAlgorithm.RSAES_OAEP_SHA_256)]
    [InlineData("rsa_oaep_4096_sha256_mgf1sha256_test.json", EncryptionAlgorithm.RSAES_OAEP_SHA_256)]
    public void RsaOaep_AllVectors(string file, EncryptionAlgorithm algorithm) =>
        // AWS's RSAES_OAEP uses an empty label. A vector made with a label is, for this product, a ciphertext for
        // another context: it must not decrypt, so it counts as a case to reject.
        Wycheproof.Run(file, (group, test) =>
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(group.Hex("privateKeyPkcs8"), out _);
            var plaintext = Primitives.OaepDecrypt(rsa, algorithm, test.Hex("ct"));
            if (test.Hex("label").Length > 0)
            {
                Assert.Null(plaintext);
                return Wycheproof.Outcome.OutOfScope;
            }

            return Wycheproof.Of(plaintext is not null && plaintext.AsSpan().SequenceEqual(test.Hex("msg")));
        });

    [Theory]
    [InlineData("rsa_pss_2048_sha256_mgf1_32_test.json", SigningAlgorithm.RSASSA_PSS_SHA_256)]
    [InlineData("rsa_pss_2048_sha384_mgf1_48_test.json", SigningAlgorithm.RSASSA_PSS_SHA_384)]
    [InlineData("rsa_pss_3072_sha256_mgf1_32_test.json", SigningAlgorithm.RSASSA_PSS_SHA_256)]
    [InlineData("rsa_pss_4096_sha256_mgf1_32_test.json", SigningAlgorithm.RSASSA_PSS_SHA_256)]
    [InlineData("rsa_pss_4096_sha384_mgf1_48_test.json", SigningAlgorithm.RSASSA_PSS_SHA_384)]
    [InlineData("rsa_pss_4096_sha512_mgf1_64_test.json", SigningAlgorithm.RSASSA_PSS_SHA_512)]
    [InlineData("rsa_signature_2048_sha256_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256)]
    [InlineData("rsa_signature_2048_sha384_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384)]
    [InlineData("rsa_signature_2048_sha512_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512)]
    [InlineData("rsa_signature_3072_sha256_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256)]
    [InlineData("rsa_signature_3072_sha384_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384)]
    [InlineData("rsa_signature_3072_sha512_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512)]
    [InlineData("rsa_signature_4096_sha256_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256)]
    [InlineData("rsa_signature_4096_sha384_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384)]
    [InlineData("rsa_signature_4096_sha512_test.json", SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512)]
    public void RsaSignatures_AllVectors(string file, SigningAlgorithm algorithm) =>
        Wycheproof.Run(file, (group, test) =>
        {
            using var rsa = RSA.Create();
            rsa.ImportRSAPublicKey(group.Hex("publicKeyAsn"), out _);
            return Wycheproof.Of(Primitives.Rsa(rsa, algorithm, test.Hex("msg"), MessageType.RAW, test.Hex("sig")));
        });

    [Theory]
    [InlineData("ecdsa_secp256r1_sha256_test.json", SigningAlgorithm.ECDSA_SHA_256)]
    [InlineData("ecdsa_secp384r1_sha384_test.json", SigningAlgorithm.ECDSA_SHA_384)]
    [InlineData("ecdsa_secp521r1_sha512_test.json", SigningAlgorithm.ECDSA_SHA_512)]
    [InlineData("ecdsa_secp256k1_sha256_test.json", SigningAlgorithm.ECDSA_SHA_256)]
    public void EcdsaDer_AllVectors(string file, SigningAlgorithm algorithm) =>
        Wycheproof.Run(file, (group, test) =>
        {
            using var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(group.Hex("publicKeyDer"), out _);
            return Wycheproof.Of(Primitives.Ecdsa(ec, algorithm, test.Hex("msg"), MessageType.RAW, test.Hex("sig")));
        });

    [Theory]
    [InlineData("ecdsa_secp256r1_sha256_p1363_test.json", "SHA256")]
    [InlineData("ecdsa_secp384r1_sha384_p1363_test.json", "SHA384")]
    [InlineData("ecdsa_secp521r1_sha512_p1363_test.json", "SHA512")]
    [InlineData("ecdsa_secp256k1_sha256_p1363_test.json", "SHA256")]
    public void EcdsaP1363_AllVectors(string file, string hash) =>
        // The API speaks DER; the IEEE P1363 vectors check the same runtime ECDSA underneath.
        Wycheproof.Run(file, (group, test) =>
        {
            using var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(group.Hex("publicKeyDer"), out _);
            return Wycheproof.Of(ec.VerifyData(test.Hex("msg"), test.Hex("sig"), new HashAlgorithmName(hash), DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        });

    [Theory]
    [InlineData("ecdh_secp256r1_test.json", KeySpec.ECC_NIST_P256)]
    [InlineData("ecdh_secp384r1_test.json", KeySpec.ECC_NIST_P384)]
    [InlineData("ecdh_secp521r1_test.json", KeySpec.ECC_NIST_P521)]
    public void Ecdh_AllVectors(string file, KeySpec spec) =>
        Wycheproof.Run(file, (_, test) =>
        {
            using var own = ECDiffieHellman.Create();
            own.ImportParameters(PrivateParameters(spec, test.Hex("private")));
            var shared = Primitives.Ecdh(own, test.Hex("public"), CurveNames.Oid(spec));
            return Wycheproof.Of(shared is not null && shared.AsSpan().SequenceEqual(test.Hex("shared")));
        });

    /// <summary>The one-time keys of key transport agree through BouncyCastle's P-384 code: the same vectors hold for it.</summary>
    [Fact]
    public void Ecdh_P384OneTimeKeys_AllVectors() =>
        Wycheproof.Run("ecdh_secp384r1_test.json", (_, test) =>
        {
            var scalar = test.Hex("private").SkipWhile(b => b == 0).ToArray();
            if (scalar.Length > P384Agreement.ScalarLength)
            {
                return Wycheproof.Of(false);
            }

            byte[] padded = [.. new byte[P384Agreement.ScalarLength - scalar.Length], .. scalar];
            try
            {
                return Wycheproof.Of(P384Agreement.Agree(padded, test.Hex("public")).AsSpan().SequenceEqual(test.Hex("shared")));
            }
            catch (CryptographicException)
            {
                return Wycheproof.Of(false);
            }
        });

    [Fact]
    public void Ed25519_AllVectors() =>
        Wycheproof.Run("ed25519_test.json", (group, test) =>
        {
            var publicKey = new Ed25519PublicKeyParameters(Convert.FromHexString(group.GetProperty("publicKey").GetProperty("pk").GetString()!));
            return Wycheproof.Of(Primitives.Bouncy(KeySpec.ECC_NIST_EDWARDS25519, SigningAlgorithm.ED25519_SHA_512, publicKey, test.Hex("msg"), test.Hex("sig")));
        });

    private static ECParameters PrivateParameters(KeySpec spec, byte[] scalar)
    {
        var size = spec switch { KeySpec.ECC_NIST_P256 => 32, KeySpec.ECC_NIST_P384 => 48, _ => 66 };
        var d = scalar.SkipWhile(b => b == 0).ToArray();
        var padded = new byte[size];
        d.CopyTo(padded, size - d.Length);
        return new ECParameters { Curve = CurveNames.For(spec), D = padded };
    }
}
