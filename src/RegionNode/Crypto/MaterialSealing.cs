using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// Material versions under a one-time AES-256-GCM wrapping key, as both ways of transporting material between Regions
/// encrypt them: a random 12-byte nonce per version, the tag after the ciphertext, the material ID as AAD (a version
/// cannot be passed off as another).
/// </summary>
internal static class MaterialSealing
{
    private const int NonceLength = 12;
    private const int TagLength = 16;

    public static IReadOnlyList<TransportedMaterial> Seal(byte[] wrappingKey, IReadOnlyList<(string MaterialId, byte[] Material)> materials)
    {
        using var gcm = new AesGcm(wrappingKey, TagLength);
        var sealedVersions = new List<TransportedMaterial>(materials.Count);
        foreach (var (materialId, material) in materials)
        {
            var nonce = RandomNumberGenerator.GetBytes(NonceLength);
            var ciphertext = new byte[material.Length + TagLength];
            gcm.Encrypt(nonce, material, ciphertext.AsSpan(0, material.Length), ciphertext.AsSpan(material.Length), Encoding.ASCII.GetBytes(materialId));
            sealedVersions.Add(new TransportedMaterial(materialId, nonce, ciphertext));
        }

        return sealedVersions;
    }

    /// <summary>The plaintext of each version, in order; throws (and zeroes what it opened) if any was altered or sealed under another key.</summary>
    public static IReadOnlyList<(string MaterialId, byte[] Material)> Open(byte[] wrappingKey, IReadOnlyList<TransportedMaterial> materials)
    {
        var opened = new List<(string, byte[])>(materials.Count);
        try
        {
            using var gcm = new AesGcm(wrappingKey, TagLength);
            foreach (var item in materials)
            {
                if (item.Nonce.Length != NonceLength || item.Ciphertext.Length < TagLength)
                {
                    throw new CryptographicException("A transported material version is malformed.");
                }

                var material = new byte[item.Ciphertext.Length - TagLength];
                gcm.Decrypt(item.Nonce, item.Ciphertext.AsSpan(0, material.Length), item.Ciphertext.AsSpan(material.Length), material,
                    Encoding.ASCII.GetBytes(item.MaterialId));
                opened.Add((item.MaterialId, material));
            }

            return opened;
        }
        catch
        {
            foreach (var (_, material) in opened)
            {
                CryptographicOperations.ZeroMemory(material);
            }

            throw;
        }
    }

    /// <summary>ECDH on P-384 with a peer's SubjectPublicKeyInfo; throws when it is not a P-384 public key.</summary>
    public static byte[] Agree(ECDiffieHellman own, ReadOnlySpan<byte> peerPublicKey) =>
        Primitives.Ecdh(own, peerPublicKey, CurveNames.Oid(Domain.Specs.KeySpec.ECC_NIST_P384))
        ?? throw new CryptographicException("The peer's transport key is not a P-384 public key.");

    /// <summary>A label and the parts of a context, each UTF-8 and a zero byte: HKDF info.</summary>
    public static byte[] Info(byte[] label, params string[] parts)
    {
        var info = new List<byte>(label);
        foreach (var part in parts)
        {
            info.AddRange(Encoding.UTF8.GetBytes(part));
            info.Add(0);
        }

        return [.. info];
    }
}
