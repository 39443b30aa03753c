using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Model;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

public sealed class DeliverySealingTests
{
    private const string KeyId = "mrk-1234abcd12ab34cd56ef1234567890ab";
    private static readonly DeliveryContext Context = new("0123456789abcdef0123456789abcdef", "us-east-1", "eu-west-1");

    private static IReadOnlyList<(string, byte[])> Versions() =>
    [
        (new string('a', 64), RandomNumberGenerator.GetBytes(32)),
        (new string('b', 64), RandomNumberGenerator.GetBytes(1218)),
    ];

    [Fact]
    public void OneAgreementPerBatch_OpensEveryMessageOfIt()
    {
        var (prekeyPublic, prekeyPrivate) = DeliverySealing.CreatePrekey();
        using var seal = DeliverySealing.Seal(prekeyPublic, Context);
        var first = Versions();
        var second = Versions();
        var sealedFirst = seal.Seal(KeyId, "m1", first);
        var sealedSecond = seal.Seal("mrk-00000000000000000000000000000001", "m2", second);
        Assert.All(sealedFirst.Zip(first), pair => Assert.Equal(-1, pair.First.Ciphertext.AsSpan().IndexOf(pair.Second.Item2.AsSpan(0, 16))));

        using var open = DeliverySealing.Open(prekeyPrivate, prekeyPublic, seal.SenderPublicKey, Context);
        Assert.Equal(first.Select(v => v.Item2), open.Open(KeyId, "m1", sealedFirst).Select(o => o.Material));
        Assert.Equal(second.Select(v => v.Item2), open.Open("mrk-00000000000000000000000000000001", "m2", sealedSecond).Select(o => o.Material));
    }

    [Theory]
    [InlineData("key")]
    [InlineData("message")]
    [InlineData("prekey")]
    [InlineData("source")]
    [InlineData("destination")]
    public void OpenedForAnotherMessage_Key_Prekey_OrRegion_Fails(string field)
    {
        var (prekeyPublic, prekeyPrivate) = DeliverySealing.CreatePrekey();
        using var seal = DeliverySealing.Seal(prekeyPublic, Context);
        var sealedVersions = seal.Seal(KeyId, "m1", Versions());
        var context = field switch
        {
            "prekey" => Context with { PrekeyId = "ffffffffffffffffffffffffffffffff" },
            "source" => Context with { SourceRegion = "ap-southeast-2" },
            "destination" => Context with { DestinationRegion = "ap-southeast-2" },
            _ => Context,
        };
        using var open = DeliverySealing.Open(prekeyPrivate, prekeyPublic, seal.SenderPublicKey, context);
        Assert.ThrowsAny<CryptographicException>(() => open.Open(field == "key" ? "mrk-00000000000000000000000000000001" : KeyId,
            field == "message" ? "m2" : "m1", sealedVersions));
    }

    [Fact]
    public void OtherPrekey_TamperedBytes_OrSwappedIds_Fail()
    {
        var (prekeyPublic, prekeyPrivate) = DeliverySealing.CreatePrekey();
        var (otherPublic, otherPrivate) = DeliverySealing.CreatePrekey();
        using var seal = DeliverySealing.Seal(prekeyPublic, Context);
        var sealedVersions = seal.Seal(KeyId, "m1", Versions());
        using (var wrongKey = DeliverySealing.Open(otherPrivate, otherPublic, seal.SenderPublicKey, Context))
        {
            Assert.ThrowsAny<CryptographicException>(() => wrongKey.Open(KeyId, "m1", sealedVersions));
        }

        using var open = DeliverySealing.Open(prekeyPrivate, prekeyPublic, seal.SenderPublicKey, Context);
        var tampered = sealedVersions.Select(v => v with { Ciphertext = [.. v.Ciphertext] }).ToList();
        tampered[1].Ciphertext[5] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => open.Open(KeyId, "m1", tampered));
        Assert.ThrowsAny<CryptographicException>(() => open.Open(KeyId, "m1", [sealedVersions[0] with { MaterialId = sealedVersions[1].MaterialId }]));
    }

    [Fact]
    public void EachBatchHasItsOwnSenderKey_AndKeysOnOtherCurvesAreRefused()
    {
        var (prekeyPublic, prekeyPrivate) = DeliverySealing.CreatePrekey();
        using var first = DeliverySealing.Seal(prekeyPublic, Context);
        using var second = DeliverySealing.Seal(prekeyPublic, Context);
        Assert.NotEqual(first.SenderPublicKey, second.SenderPublicKey);

        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(DeliverySealing.IsPrekey(p256.ExportSubjectPublicKeyInfo()));
        Assert.False(DeliverySealing.IsPrekey([.. prekeyPublic, 0]));
        Assert.False(DeliverySealing.IsPrekey("not a key"u8));
        Assert.True(DeliverySealing.IsPrekey(prekeyPublic));
        Assert.ThrowsAny<CryptographicException>(() => DeliverySealing.Seal(p256.ExportSubjectPublicKeyInfo(), Context));
        Assert.ThrowsAny<CryptographicException>(() => DeliverySealing.Open(prekeyPrivate, prekeyPublic, p256.ExportSubjectPublicKeyInfo(), Context));
    }

    /// <summary>
    /// The derivation relay.proto documents, computed with other implementations than the product's (the runtime's
    /// OpenSSL for the agreement, BouncyCastle for HKDF and AES-GCM), opens what the product sealed.
    /// </summary>
    [Fact]
    public void Derivation_MatchesAnIndependentImplementation()
    {
        var versions = Versions();
        using var prekey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var prekeyPublic = prekey.ExportSubjectPublicKeyInfo();
        using var seal = DeliverySealing.Seal(prekeyPublic, Context);
        var sealedVersions = seal.Seal(KeyId, "message-7", versions);

        var key = IndependentMessageKey(prekey, seal.SenderPublicKey, prekeyPublic, seal.SenderPublicKey, "message-7");
        foreach (var (version, expected) in sealedVersions.Zip(versions))
        {
            Assert.Equal(expected.Item2, Gcm(false, key, version.Nonce, version.Ciphertext, version.MaterialId));
        }
    }

    /// <summary>And the other way: what an independent sender sealed for a prekey of the product's, the product opens.</summary>
    [Fact]
    public void Opening_MatchesAnIndependentSender()
    {
        var (prekeyPublic, prekeyPrivate) = DeliverySealing.CreatePrekey();
        using var sender = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var senderPublic = sender.ExportSubjectPublicKeyInfo();
        var key = IndependentMessageKey(sender, prekeyPublic, prekeyPublic, senderPublic, "message-8");
        var material = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var materialId = new string('c', 64);

        using var open = DeliverySealing.Open(prekeyPrivate, prekeyPublic, senderPublic, Context);
        var opened = open.Open(KeyId, "message-8", [new TransportedMaterial(materialId, nonce, Gcm(true, key, nonce, material, materialId))]);
        Assert.Equal(material, Assert.Single(opened).Material);
    }

    /// <summary>ECDH with the runtime, then HKDF-SHA256 (salt SHA-256(prekey public || sender public)) with BouncyCastle.</summary>
    private static byte[] IndependentMessageKey(ECDiffieHellman own, byte[] peerPublic, byte[] prekeyPublic, byte[] senderPublic, string messageId)
    {
        using var peer = ECDiffieHellman.Create();
        peer.ImportSubjectPublicKeyInfo(peerPublic, out _);
        var secret = own.DeriveRawSecretAgreement(peer.PublicKey);
        byte[] salt = [.. prekeyPublic, .. senderPublic];
        var digest = new Sha256Digest();
        digest.BlockUpdate(salt, 0, salt.Length);
        var saltHash = new byte[32];
        digest.DoFinal(saltHash, 0);
        var info = Encoding.ASCII.GetBytes("mrk/v1/key-delivery\0")
            .Concat(Encoding.UTF8.GetBytes($"{Context.PrekeyId}\0{Context.SourceRegion}\0{Context.DestinationRegion}\0{KeyId}\0{messageId}\0")).ToArray();
        var hkdf = new HkdfBytesGenerator(new Sha256Digest());
        hkdf.Init(new HkdfParameters(secret, saltHash, info));
        var key = new byte[32];
        hkdf.GenerateBytes(key, 0, 32);
        return key;
    }

    /// <summary>AES-256-GCM with BouncyCastle, the tag after the ciphertext, the material ID as AAD.</summary>
    private static byte[] Gcm(bool encrypt, byte[] key, byte[] nonce, byte[] input, string materialId)
    {
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(encrypt, new AeadParameters(new KeyParameter(key), 128, nonce, Encoding.ASCII.GetBytes(materialId)));
        var output = new byte[gcm.GetOutputSize(input.Length)];
        var length = gcm.ProcessBytes(input, 0, input.Length, output, 0);
        gcm.DoFinal(output, length);
        return output;
    }

    [Fact]
    public void PrekeysFromTheRuntime_AndPointsOffTheCurve()
    {
        using var runtime = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var publicKey = runtime.ExportSubjectPublicKeyInfo();
        Assert.True(DeliverySealing.IsPrekey(publicKey));

        // The same encoding with the point's last coordinate byte changed: no longer on the curve.
        byte[] offCurve = [.. publicKey];
        offCurve[^1] ^= 1;
        Assert.False(DeliverySealing.IsPrekey(offCurve));
        Assert.ThrowsAny<CryptographicException>(() => DeliverySealing.Seal(offCurve, Context));
    }
}
