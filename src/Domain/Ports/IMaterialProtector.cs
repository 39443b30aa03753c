namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>Wraps material under the Region's domain key for storage, bound to key ID, version and Region.</summary>
public interface IMaterialProtector
{
    byte[] Wrap(ReadOnlySpan<byte> material, string keyId, string materialId);

    /// <summary>The plaintext material; the caller zeroes it. Throws if the blob was altered or belongs elsewhere.</summary>
    byte[] Unwrap(ReadOnlySpan<byte> wrapped, string keyId, string materialId);
}
