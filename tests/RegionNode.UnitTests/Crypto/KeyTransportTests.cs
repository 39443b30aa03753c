using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Grpc.Mrk.RegionNode.UnitTests.Crypto;

public sealed class KeyTransportTests
{
    private static readonly TransportContext Context = new("mrk-1234abcd12ab34cd56ef1234567890ab", "us-east-1", "eu-west-1", "message-1");
    private readonly KeyTransport _transport = new();

    private static IReadOnlyList<(string, byte[])> Versions() =>
    [
        (new string('a', 64), RandomNumberGenerator.GetBytes(32)),
        (new string('b', 64), RandomNumberGenerator.GetBytes(32)),
        (new string('c', 64), RandomNumberGenerator.GetBytes(1218)),
    ];

    [Fact]
    public void Wrap_ThenUnwrap_EveryVersionArrives()
    {
        var versions = Versions();
        var (publicKey, privateKey) = _transport.CreateRequestKey();
        var (sourcePublic, wrapped) = _transport.Wrap(publicKey, Context, versions);
        Assert.All(wrapped.Zip(versions), pair => Assert.Equal(-1, pair.First.Ciphertext.AsSpan().IndexOf(pair.Second.Item2.AsSpan(0, 16))));
        var opened = _transport.Unwrap(privateKey, sourcePublic, Context, wrapped);
        Assert.Equal(versions.Select(v => v.Item1), opened.Select(o => o.MaterialId));
        Assert.Equal(versions.Select(v => v.Item2), opened.Select(o => o.Material));
    }

    [Theory]
    [InlineData("key")]
    [InlineData("source")]
    [InlineData("destination")]
    [InlineData("message")]
    public void Unwrap_OtherContext_Fails(string field)
    {
        var (publicKey, privateKey) = _transport.CreateRequestKey();
        var (sourcePublic, wrapped) = _transport.Wrap(publicKey, Context, Versions());
        var other = field switch
        {
            "key" => Context with { KeyId = "mrk-00000000000000000000000000000000" },
            "source" => Context with { SourceRegion = "ap-southeast-2" },
            "destination" => Context with { DestinationRegion = "ap-southeast-2" },
            _ => Context with { MessageId = "message-2" },
        };
        Assert.ThrowsAny<CryptographicException>(() => _transport.Unwrap(privateKey, sourcePublic, other, wrapped));
    }

    [Fact]
    public void Unwrap_OtherDestinationKey_TamperedBytesOrSwappedIds_Fail()
    {
        var (publicKey, privateKey) = _transport.CreateRequestKey();
        var (_, otherPrivate) = _transport.CreateRequestKey();
        var (sourcePublic, wrapped) = _transport.Wrap(publicKey, Context, Versions());
        Assert.ThrowsAny<CryptographicException>(() => _transport.Unwrap(otherPrivate, sourcePublic, Context, wrapped));

        var tampered = wrapped.ToList();
        tampered[1].Ciphertext[3] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => _transport.Unwrap(privateKey, sourcePublic, Context, tampered));

        var (sourcePublic2, wrapped2) = _transport.Wrap(publicKey, Context, Versions());
        var swapped = new List<TransportedMaterial> { wrapped2[0] with { MaterialId = wrapped2[1].MaterialId } };
        Assert.ThrowsAny<CryptographicException>(() => _transport.Unwrap(privateKey, sourcePublic2, Context, swapped));
    }

    [Fact]
    public void Wrap_PeerKeyOnAnotherCurve_Refused()
    {
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        Assert.ThrowsAny<CryptographicException>(() => _transport.Wrap(p256.ExportSubjectPublicKeyInfo(), Context, Versions()));
    }

    [Fact]
    public void Wrap_EachCallUsesAFreshSourceKey()
    {
        var (publicKey, _) = _transport.CreateRequestKey();
        var first = _transport.Wrap(publicKey, Context, Versions()).SourcePublicKey;
        var second = _transport.Wrap(publicKey, Context, Versions()).SourcePublicKey;
        Assert.NotEqual(first, second);
    }

    /// <summary>The documented derivation, computed with BouncyCastle, opens what the product wrapped.</summary>
    [Fact]
    public void Derivation_MatchesAnIndependentImplementation()
    {
        var versions = Versions();
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(P384(), new SecureRandom()));
        var destination = generator.GenerateKeyPair();
        var destinationPublic = Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(destination.Public).GetDerEncoded();
        var (sourcePublic, wrapped) = _transport.Wrap(destinationPublic, Context, versions);

        var agreement = new ECDHBasicAgreement();
        agreement.Init(destination.Private);
        var secret = agreement.CalculateAgreement(PublicKeyFactory.CreateKey(sourcePublic)).ToByteArrayUnsigned();
        secret = [.. new byte[48 - secret.Length], .. secret];
        var info = Encoding.ASCII.GetBytes("mrk/v1/key-transport\0")
            .Concat(Encoding.UTF8.GetBytes($"{Context.KeyId}\0{Context.SourceRegion}\0{Context.DestinationRegion}\0{Context.MessageId}\0")).ToArray();
        var salt = new Sha256Digest();
        salt.BlockUpdate([.. destinationPublic, .. sourcePublic], 0, destinationPublic.Length + sourcePublic.Length);
        var saltBytes = new byte[32];
        salt.DoFinal(saltBytes, 0);
        var hkdf = new HkdfBytesGenerator(new Sha256Digest());
        hkdf.Init(new HkdfParameters(secret, saltBytes, info));
        var key = new byte[32];
        hkdf.GenerateBytes(key, 0, 32);

        using var gcm = new AesGcm(key, 16);
        var first = wrapped[0];
        var material = new byte[first.Ciphertext.Length - 16];
        gcm.Decrypt(first.Nonce, first.Ciphertext.AsSpan(0, material.Length), first.Ciphertext.AsSpan(material.Length), material, Encoding.ASCII.GetBytes(first.MaterialId));
        Assert.Equal(versions[0].Item2, material);
    }

    private static ECNamedDomainParameters P384() =>
        new ECNamedDomainParameters(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP384r1,
            Org.BouncyCastle.Crypto.EC.CustomNamedCurves.GetByOid(Org.BouncyCastle.Asn1.Sec.SecObjectIdentifiers.SecP384r1));
}
