using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>The named curve behind each elliptic-curve key spec (only named curves are ever accepted).</summary>
internal static class CurveNames
{
    public static ECCurve For(KeySpec spec) => spec switch
    {
        KeySpec.ECC_NIST_P256 => ECCurve.NamedCurves.nistP256,
        KeySpec.ECC_NIST_P384 => ECCurve.NamedCurves.nistP384,
        KeySpec.ECC_NIST_P521 => ECCurve.NamedCurves.nistP521,
        KeySpec.ECC_SECG_P256K1 => ECCurve.CreateFromValue(Secp256k1Oid),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "not an ECDSA/ECDH key spec"),
    };

    public static ECCurve For(DataKeyPairSpec spec) => spec switch
    {
        DataKeyPairSpec.ECC_NIST_P256 => For(KeySpec.ECC_NIST_P256),
        DataKeyPairSpec.ECC_NIST_P384 => For(KeySpec.ECC_NIST_P384),
        DataKeyPairSpec.ECC_NIST_P521 => For(KeySpec.ECC_NIST_P521),
        DataKeyPairSpec.ECC_SECG_P256K1 => For(KeySpec.ECC_SECG_P256K1),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "not an elliptic-curve pair spec"),
    };

    public const string Secp256k1Oid = "1.3.132.0.10";

    public static string Oid(KeySpec spec) => spec switch
    {
        KeySpec.ECC_NIST_P256 => "1.2.840.10045.3.1.7",
        KeySpec.ECC_NIST_P384 => "1.3.132.0.34",
        KeySpec.ECC_NIST_P521 => "1.3.132.0.35",
        KeySpec.ECC_SECG_P256K1 => Secp256k1Oid,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "not an elliptic-curve key spec"),
    };

    public static bool IsEllipticCurve(KeySpec spec) =>
        spec is KeySpec.ECC_NIST_P256 or KeySpec.ECC_NIST_P384 or KeySpec.ECC_NIST_P521 or KeySpec.ECC_SECG_P256K1;

    public static bool IsRsa(KeySpec spec) => spec is KeySpec.RSA_2048 or KeySpec.RSA_3072 or KeySpec.RSA_4096;

    public static int RsaBits(KeySpec spec) => spec switch
    {
        KeySpec.RSA_2048 => 2048,
        KeySpec.RSA_3072 => 3072,
        KeySpec.RSA_4096 => 4096,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "not an RSA key spec"),
    };
}
