using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Crypto;

public sealed class KeyMaterialFactory : IKeyMaterialFactory
{
    private static readonly byte[] MaterialIdLabel = Encoding.ASCII.GetBytes("mrk/v1/key-material-id\0");

    public byte[] Generate(KeySpec spec)
    {
        if (spec is KeySpec.SYMMETRIC_DEFAULT or KeySpec.HMAC_224 or KeySpec.HMAC_256 or KeySpec.HMAC_384 or KeySpec.HMAC_512)
        {
            return RandomNumberGenerator.GetBytes(KeySpecCatalog.SecretLength(spec));
        }

        if (CurveNames.IsRsa(spec))
        {
            using var rsa = RSA.Create(CurveNames.RsaBits(spec));
            return rsa.ExportPkcs8PrivateKey();
        }

        if (CurveNames.IsEllipticCurve(spec))
        {
            using var ec = ECDsa.Create(CurveNames.For(spec));
            return ec.ExportPkcs8PrivateKey();
        }

        return PostQuantumKeys.Generate(spec);
    }

    public byte[] Accept(KeySpec spec, ReadOnlySpan<byte> material) => ImportedMaterialCheck.Accept(spec, material);

    // HMAC keyed by the material: the ID is a deterministic function of key ID and material (so every Region holding
    // the same material agrees on it) and reveals nothing about the material.
    public string MaterialId(string keyId, ReadOnlySpan<byte> material)
    {
        var keyIdBytes = Encoding.ASCII.GetBytes(keyId);
        var data = new byte[MaterialIdLabel.Length + keyIdBytes.Length];
        MaterialIdLabel.CopyTo(data, 0);
        keyIdBytes.CopyTo(data, MaterialIdLabel.Length);
        return Convert.ToHexStringLower(HMACSHA256.HashData(material, data));
    }
}
