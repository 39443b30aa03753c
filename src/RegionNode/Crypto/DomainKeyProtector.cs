using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// Wraps key material under the Region's 256-bit domain key with AES-256-GCM. Layout:
/// <c>0x01 | domain key fingerprint (8) | nonce (12) | ciphertext | tag (16)</c>; AAD binds the key ID, the material
/// ID and the Region, so a wrapped blob cannot be moved to another key, version or Region.
/// </summary>
public sealed class DomainKeyProtector : IMaterialProtector, IDisposable
{
    private const byte Version = 1;
    private const int FingerprintLength = 8;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = 1 + FingerprintLength + NonceLength;

    // Pinned so the GC never leaves copies of the domain key behind; zeroed on dispose.
    private readonly byte[] _domainKey = GC.AllocateArray<byte>(32, pinned: true);
    private readonly byte[] _fingerprint;
    private readonly string _region;

    public DomainKeyProtector(ReadOnlySpan<byte> domainKey, string region)
    {
        if (domainKey.Length != 32)
        {
            throw new ArgumentException("The domain key must be 32 bytes.", nameof(domainKey));
        }

        domainKey.CopyTo(_domainKey);
        _fingerprint = Fingerprint(domainKey);
        _region = region;
    }

    /// <summary>A short public name for a domain key, to tell which key wrapped a blob.</summary>
    public static byte[] Fingerprint(ReadOnlySpan<byte> domainKey) =>
        SHA256.HashData([.. Encoding.ASCII.GetBytes("mrk/v1/domain-key-fingerprint\0"), .. domainKey])[..FingerprintLength];

    public byte[] Wrap(ReadOnlySpan<byte> material, string keyId, string materialId)
    {
        var blob = new byte[HeaderLength + material.Length + TagLength];
        blob[0] = Version;
        _fingerprint.CopyTo(blob, 1);
        var nonce = blob.AsSpan(1 + FingerprintLength, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(_domainKey, TagLength);
        gcm.Encrypt(nonce, material, blob.AsSpan(HeaderLength, material.Length), blob.AsSpan(HeaderLength + material.Length),
            Aad(keyId, materialId));
        return blob;
    }

    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, string keyId, string materialId)
    {
        if (wrapped.Length < HeaderLength + TagLength || wrapped[0] != Version)
        {
            throw new CryptographicException("The wrapped material has an unknown format.");
        }

        if (!wrapped.Slice(1, FingerprintLength).SequenceEqual(_fingerprint))
        {
            throw new CryptographicException("The wrapped material was made under a different domain key.");
        }

        var plaintext = new byte[wrapped.Length - HeaderLength - TagLength];
        using var gcm = new AesGcm(_domainKey, TagLength);
        gcm.Decrypt(wrapped.Slice(1 + FingerprintLength, NonceLength), wrapped[HeaderLength..^TagLength], wrapped[^TagLength..],
            plaintext, Aad(keyId, materialId));
        return plaintext;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_domainKey);

    private byte[] Aad(string keyId, string materialId) =>
        Encoding.ASCII.GetBytes($"mrk/v1/material\0{keyId}\0{materialId}\0{_region}");
}
