using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// ECDH P-384 between two ephemeral keys, HKDF-SHA256 to a one-time AES-256-GCM wrapping key, each version encrypted
/// with a random nonce and its material ID as AAD. The HKDF salt is SHA-256 of both public keys; the info binds the
/// key ID, source, destination and message ID, so a bundle opens only for that message.
/// </summary>
public sealed class KeyTransport : IKeyTransport
{
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("mrk/v1/key-transport\0");

    public (byte[] PublicKey, byte[] PrivateKey) CreateRequestKey()
    {
        using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        return (key.ExportSubjectPublicKeyInfo(), key.ExportPkcs8PrivateKey());
    }

    public (byte[] SourcePublicKey, IReadOnlyList<TransportedMaterial> Materials) Wrap(ReadOnlySpan<byte> destinationPublicKey,
        TransportContext context, IReadOnlyList<(string MaterialId, byte[] Material)> materials)
    {
        using var source = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var sourcePublic = source.ExportSubjectPublicKeyInfo();
        var wrappingKey = WrappingKey(source, destinationPublicKey, destinationPublicKey, sourcePublic, context);
        try
        {
            using var gcm = new AesGcm(wrappingKey, TagLength);
            var wrapped = new List<TransportedMaterial>(materials.Count);
            foreach (var (materialId, material) in materials)
            {
                var nonce = RandomNumberGenerator.GetBytes(NonceLength);
                var ciphertext = new byte[material.Length + TagLength];
                gcm.Encrypt(nonce, material, ciphertext.AsSpan(0, material.Length), ciphertext.AsSpan(material.Length), Encoding.ASCII.GetBytes(materialId));
                wrapped.Add(new TransportedMaterial(materialId, nonce, ciphertext));
            }

            return (sourcePublic, wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrappingKey);
        }
    }

    public IReadOnlyList<(string MaterialId, byte[] Material)> Unwrap(ReadOnlySpan<byte> destinationPrivateKey, ReadOnlySpan<byte> sourcePublicKey,
        TransportContext context, IReadOnlyList<TransportedMaterial> materials)
    {
        using var destination = ECDiffieHellman.Create();
        destination.ImportPkcs8PrivateKey(destinationPrivateKey, out _);
        var destinationPublic = destination.ExportSubjectPublicKeyInfo();
        var wrappingKey = WrappingKey(destination, sourcePublicKey, destinationPublic, sourcePublicKey, context);
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
        finally
        {
            CryptographicOperations.ZeroMemory(wrappingKey);
        }
    }

    private static byte[] WrappingKey(ECDiffieHellman own, ReadOnlySpan<byte> peerPublicKey, ReadOnlySpan<byte> destinationPublic,
        ReadOnlySpan<byte> sourcePublic, TransportContext context)
    {
        var secret = Primitives.Ecdh(own, peerPublicKey, CurveNames.Oid(Domain.Specs.KeySpec.ECC_NIST_P384))
            ?? throw new CryptographicException("The peer's transport key is not a P-384 public key.");
        try
        {
            var salt = SHA256.HashData([.. destinationPublic, .. sourcePublic]);
            var info = new List<byte>(Label);
            foreach (var part in new[] { context.KeyId, context.SourceRegion, context.DestinationRegion, context.MessageId })
            {
                info.AddRange(Encoding.UTF8.GetBytes(part));
                info.Add(0);
            }

            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt, [.. info]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
