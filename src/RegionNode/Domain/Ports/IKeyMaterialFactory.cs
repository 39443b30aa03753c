using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>Creates fresh key material and names it.</summary>
public interface IKeyMaterialFactory
{
    /// <summary>
    /// New secret material for <paramref name="spec"/>: raw bytes for symmetric and HMAC keys, PKCS#8 DER for
    /// asymmetric ones. The caller owns the buffer and zeroes it.
    /// </summary>
    byte[] Generate(KeySpec spec);

    /// <summary>64 lowercase hex characters from the key ID and the material, revealing nothing about the material.</summary>
    string MaterialId(string keyId, ReadOnlySpan<byte> material);
}
