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

    /// <summary>
    /// Checks imported material against <paramref name="spec"/> and returns it in the form keys of that spec store
    /// (asymmetric keys re-encoded as PKCS#8 DER, so the same key always has the same bytes and material ID).
    /// IncorrectKeyMaterialException when it does not fit. The caller zeroes the result.
    /// </summary>
    byte[] Accept(KeySpec spec, ReadOnlySpan<byte> material);

    /// <summary>64 lowercase hex characters from the key ID and the material, revealing nothing about the material.</summary>
    string MaterialId(string keyId, ReadOnlySpan<byte> material);
}
