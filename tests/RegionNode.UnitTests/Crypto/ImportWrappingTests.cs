using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

/// <summary>
/// The import wrapping algorithms against independent implementations: the runtime's RSA-OAEP encryption and
/// BouncyCastle's RFC 5649 engine wrap, the product unwraps. The RFC's own vectors pin the key wrap.
/// </summary>
public sealed class ImportWrappingTests
{
    private static readonly ImportWrapping Wrapping = new();
    private static readonly Lazy<WrappingKeyPairs> Keys = new(() => new WrappingKeyPairs());

    public static TheoryData<WrappingAlgorithm, WrappingKeySpec, int> Cases()
    {
        var data = new TheoryData<WrappingAlgorithm, WrappingKeySpec, int>();
        foreach (var algorithm in Enum.GetValues<WrappingAlgorithm>())
        {
            foreach (var spec in Enum.GetValues<WrappingKeySpec>())
            {
                data.Add(algorithm, spec, 32);
                data.Add(algorithm, spec, 64);
            }
        }

        data.Add(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingKeySpec.RSA_2048, 2400);
        data.Add(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingKeySpec.RSA_3072, 7);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unwrap_MaterialWrappedIndependently_ReturnsIt(WrappingAlgorithm algorithm, WrappingKeySpec spec, int length)
    {
        var (publicKey, privateKey) = Keys.Value.For(spec);
        var material = RandomNumberGenerator.GetBytes(length);
        var encrypted = IndependentWrap.Wrap(publicKey, algorithm, material);
        Assert.Equal(material, Wrapping.Unwrap(privateKey, algorithm, encrypted));
    }

    [Theory]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_1, WrappingAlgorithm.RSAES_OAEP_SHA_256)]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingAlgorithm.RSAES_OAEP_SHA_1)]
    [InlineData(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1)]
    [InlineData(WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1, WrappingAlgorithm.RSAES_OAEP_SHA_1)]
    [InlineData(WrappingAlgorithm.RSAES_OAEP_SHA_256, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256)]
    public void Unwrap_OtherAlgorithm_InvalidCiphertext(WrappingAlgorithm wrappedWith, WrappingAlgorithm expected)
    {
        var (publicKey, privateKey) = Keys.Value.For(WrappingKeySpec.RSA_2048);
        var encrypted = IndependentWrap.Wrap(publicKey, wrappedWith, RandomNumberGenerator.GetBytes(32));
        AssertInvalid(() => Wrapping.Unwrap(privateKey, expected, encrypted));
    }

    [Fact]
    public void Unwrap_DamagedOrShortInput_InvalidCiphertext()
    {
        var (publicKey, privateKey) = Keys.Value.For(WrappingKeySpec.RSA_2048);
        var encrypted = IndependentWrap.Wrap(publicKey, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, RandomNumberGenerator.GetBytes(48));
        foreach (var position in new[] { 0, 100, 255, 256, 270, encrypted.Length - 1 })
        {
            var damaged = (byte[])encrypted.Clone();
            damaged[position] ^= 0x01;
            AssertInvalid(() => Wrapping.Unwrap(privateKey, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, damaged));
        }

        foreach (var length in new[] { 1, 255, 256, 257, 271 })
        {
            AssertInvalid(() => Wrapping.Unwrap(privateKey, WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256, encrypted.AsSpan(0, length).ToArray()));
        }

        AssertInvalid(() => Wrapping.Unwrap(privateKey, WrappingAlgorithm.RSAES_OAEP_SHA_256, new byte[255]));
        AssertInvalid(() => Wrapping.Unwrap(privateKey, WrappingAlgorithm.RSAES_OAEP_SHA_256, new byte[256]));
    }

    // RFC 5649 section 6, both examples, through the runtime primitive the product unwraps with.
    [Theory]
    [InlineData("c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")]
    [InlineData("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f")]
    public void KeyWrapWithPadding_Rfc5649Vectors(string key, string wrapped)
    {
        using var aes = Aes.Create();
        aes.SetKey(Convert.FromHexString("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"));
        Assert.Equal(Convert.FromHexString(key), aes.DecryptKeyWrapPadded(Convert.FromHexString(wrapped)));
        Assert.Equal(Convert.FromHexString(wrapped), aes.EncryptKeyWrapPadded(Convert.FromHexString(key)));
    }

    [Fact]
    public void Tokens_AreRandomAndNamedByAOneWayId()
    {
        var first = Wrapping.NewToken();
        var second = Wrapping.NewToken();
        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(first.TokenId, Wrapping.TokenId(first.Token));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.Token)), first.TokenId);
        Assert.DoesNotContain(Convert.ToHexStringLower(first.Token), first.TokenId, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateWrappingKey_EachSpec_RsaOfThatSize()
    {
        foreach (var (spec, bits) in new[] { (WrappingKeySpec.RSA_2048, 2048), (WrappingKeySpec.RSA_3072, 3072) })
        {
            var pair = Wrapping.CreateWrappingKey(spec);
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(pair.PublicKey, out _);
            Assert.Equal(bits, rsa.KeySize);
        }
    }

    private static void AssertInvalid(Action unwrap) =>
        Assert.Equal(KmsErrorCodes.InvalidCiphertext, Assert.Throws<KmsException>(unwrap).ErrorCode);

    private sealed class WrappingKeyPairs
    {
        private readonly Dictionary<WrappingKeySpec, (byte[], byte[])> _pairs = Enum.GetValues<WrappingKeySpec>()
            .ToDictionary(s => s, s =>
            {
                var pair = Wrapping.CreateWrappingKey(s);
                return (pair.PublicKey, pair.PrivateKey);
            });

        public (byte[] PublicKey, byte[] PrivateKey) For(WrappingKeySpec spec) => _pairs[spec];
    }
}

/// <summary>Wraps material for import the way a caller's own tooling would, with code independent of the product's.</summary>
internal static class IndependentWrap
{
    public static byte[] Wrap(byte[] publicKeyDer, WrappingAlgorithm algorithm, byte[] material)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(publicKeyDer, out _);
        var padding = algorithm is WrappingAlgorithm.RSAES_OAEP_SHA_1 or WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1
            ? RSAEncryptionPadding.OaepSHA1
            : RSAEncryptionPadding.OaepSHA256;
        if (algorithm is WrappingAlgorithm.RSAES_OAEP_SHA_1 or WrappingAlgorithm.RSAES_OAEP_SHA_256)
        {
            return rsa.Encrypt(material, padding);
        }

        var aesKey = RandomNumberGenerator.GetBytes(32);
        var engine = new AesWrapPadEngine();
        engine.Init(true, new KeyParameter(aesKey));
        return [.. rsa.Encrypt(aesKey, padding), .. engine.Wrap(material, 0, material.Length)];
    }
}
