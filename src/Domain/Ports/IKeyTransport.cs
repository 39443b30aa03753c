using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>What a transported set of material versions is bound to: a wrapped bundle opens only with the same values.</summary>
public sealed record TransportContext(string KeyId, string SourceRegion, string DestinationRegion, string MessageId);

/// <summary>
/// Moves key material between Regions so that only the destination can read it (SPEC section 5): the destination
/// makes an ephemeral ECDH P-384 key pair and sends the public half; the source makes its own, derives a one-time
/// wrapping key with HKDF-SHA256 bound to the context, and encrypts each version with AES-256-GCM.
/// </summary>
public interface IKeyTransport
{
    /// <summary>The destination's ephemeral pair: public key (DER SubjectPublicKeyInfo) and private key (PKCS#8 DER, the caller zeroes it).</summary>
    (byte[] PublicKey, byte[] PrivateKey) CreateRequestKey();

    /// <summary>Wraps each version for the holder of <paramref name="destinationPublicKey"/>; returns the source's ephemeral public key too.</summary>
    (byte[] SourcePublicKey, IReadOnlyList<TransportedMaterial> Materials) Wrap(ReadOnlySpan<byte> destinationPublicKey, TransportContext context,
        IReadOnlyList<(string MaterialId, byte[] Material)> materials);

    /// <summary>The plaintext material of each version, in order; throws if anything was altered or bound to another context.</summary>
    IReadOnlyList<(string MaterialId, byte[] Material)> Unwrap(ReadOnlySpan<byte> destinationPrivateKey, ReadOnlySpan<byte> sourcePublicKey,
        TransportContext context, IReadOnlyList<TransportedMaterial> materials);
}
