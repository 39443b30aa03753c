namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>The header of a symmetric ciphertext blob: which key and which material version made it.</summary>
public sealed record CiphertextHeader(string KeyId, string MaterialId);

/// <summary>Symmetric encryption under a key's material, in the product's versioned ciphertext format.</summary>
public interface ISymmetricEnvelope
{
    byte[] Encrypt(ReadOnlySpan<byte> material, string keyId, string materialId, ReadOnlySpan<byte> plaintext,
        IReadOnlyDictionary<string, string> encryptionContext);

    /// <summary>Reads the header, or null when the blob is not one of ours.</summary>
    CiphertextHeader? ReadHeader(ReadOnlySpan<byte> blob);

    /// <summary>The plaintext, or null when anything about the blob or the context is wrong.</summary>
    byte[]? Decrypt(ReadOnlySpan<byte> material, ReadOnlySpan<byte> blob, IReadOnlyDictionary<string, string> encryptionContext);
}
