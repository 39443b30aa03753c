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
            return (sourcePublic, MaterialSealing.Seal(wrappingKey, materials));
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
        try
        {
            return MaterialSealing.Open(wrappingKey, materials);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(wrappingKey);
        }
    }

    private static byte[] WrappingKey(ECDiffieHellman own, ReadOnlySpan<byte> peerPublicKey, ReadOnlySpan<byte> destinationPublic,
        ReadOnlySpan<byte> sourcePublic, TransportContext context)
    {
        var secret = MaterialSealing.Agree(own, peerPublicKey);
        try
        {
            var salt = SHA256.HashData([.. destinationPublic, .. sourcePublic]);
            var info = MaterialSealing.Info(Label, context.KeyId, context.SourceRegion, context.DestinationRegion, context.MessageId);
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt, info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
