using Grpc.Mrk.RegionNode.Domain.Specs;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// Ed25519 and ML-DSA through BouncyCastle (the runtime on this platform has neither), stored as PKCS#8 DER like
/// every other asymmetric key.
/// </summary>
internal static class PostQuantumKeys
{
    private static readonly SecureRandom Random = new();

    public static MLDsaParameters MlDsaParameters(KeySpec spec) => spec switch
    {
        KeySpec.ML_DSA_44 => Org.BouncyCastle.Crypto.Parameters.MLDsaParameters.ml_dsa_44,
        KeySpec.ML_DSA_65 => Org.BouncyCastle.Crypto.Parameters.MLDsaParameters.ml_dsa_65,
        KeySpec.ML_DSA_87 => Org.BouncyCastle.Crypto.Parameters.MLDsaParameters.ml_dsa_87,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "not an ML-DSA key spec"),
    };

    public static byte[] Generate(KeySpec spec)
    {
        IAsymmetricCipherKeyPairGenerator generator;
        if (spec == KeySpec.ECC_NIST_EDWARDS25519)
        {
            generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(Random));
        }
        else
        {
            generator = new MLDsaKeyPairGenerator();
            generator.Init(new MLDsaKeyGenerationParameters(Random, MlDsaParameters(spec)));
        }

        return PrivateKeyInfoFactory.CreatePrivateKeyInfo(generator.GenerateKeyPair().Private).GetDerEncoded();
    }

    public static AsymmetricKeyParameter PrivateKey(KeySpec spec, ReadOnlySpan<byte> pkcs8)
    {
        var key = PrivateKeyFactory.CreateKey(pkcs8.ToArray());
        var matches = spec == KeySpec.ECC_NIST_EDWARDS25519
            ? key is Ed25519PrivateKeyParameters
            : key is MLDsaPrivateKeyParameters ml && ml.Parameters == MlDsaParameters(spec);
        return matches ? key : throw new MaterialMismatchException($"stored material does not match key spec {spec}");
    }

    public static AsymmetricKeyParameter PublicOf(AsymmetricKeyParameter privateKey) => privateKey switch
    {
        Ed25519PrivateKeyParameters ed => ed.GeneratePublicKey(),
        MLDsaPrivateKeyParameters ml => ml.GetPublicKey(),
        _ => throw new ArgumentException("unsupported key type", nameof(privateKey)),
    };

    /// <summary>
    /// An Ed25519 private key as callers receive one: PKCS#8 version 1 (RFC 8410, no embedded public key), the layout
    /// AWS returns and OpenSSL 3.0 and Python's cryptography read; BouncyCastle's own export is version 2.
    /// </summary>
    public static byte[] PortableEd25519(Ed25519PrivateKeyParameters key) =>
        new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(key.GetEncoded())).GetDerEncoded();

    public static byte[] PublicKeyInfo(AsymmetricKeyParameter privateKey) =>
        SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(PublicOf(privateKey)).GetDerEncoded();
}
