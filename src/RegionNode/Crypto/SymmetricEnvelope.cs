using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// Ciphertext format v1 (see docs/ciphertext-format.md):
/// <c>0x01 | len(keyId) | keyId (ASCII) | materialId (32 bytes) | salt (16) | nonce (12) | ciphertext | tag (16)</c>.
/// Each call derives a one-time AES-256-GCM key with HKDF-SHA256 from the material and the random salt, so no
/// key ever approaches GCM's nonce limit. The header and the canonical encryption context are the AAD, so the key
/// ID (never the ARN: every related multi-Region key decrypts), the version and the context are all bound.
/// </summary>
public sealed class SymmetricEnvelope : ISymmetricEnvelope
{
    public const byte FormatVersion = 1;
    private const int MaterialIdLength = 32;
    private const int SaltLength = 16;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private static readonly byte[] KdfInfo = Encoding.ASCII.GetBytes("mrk/v1/symmetric-default");

    public byte[] Encrypt(ReadOnlySpan<byte> material, string keyId, string materialId, ReadOnlySpan<byte> plaintext,
        IReadOnlyDictionary<string, string> encryptionContext)
    {
        var keyIdBytes = Encoding.ASCII.GetBytes(keyId);
        var headerLength = 2 + keyIdBytes.Length + MaterialIdLength + SaltLength + NonceLength;
        var blob = new byte[headerLength + plaintext.Length + TagLength];
        blob[0] = FormatVersion;
        blob[1] = checked((byte)keyIdBytes.Length);
        keyIdBytes.CopyTo(blob.AsSpan(2));
        var offset = 2 + keyIdBytes.Length;
        Convert.FromHexString(materialId).CopyTo(blob.AsSpan(offset, MaterialIdLength));
        offset += MaterialIdLength;
        // Salt and nonce lie side by side: one draw from the generator (each costs about a microsecond) fills both.
        RandomNumberGenerator.Fill(blob.AsSpan(offset, SaltLength + NonceLength));
        var salt = blob.AsSpan(offset, SaltLength);
        var nonce = blob.AsSpan(offset + SaltLength, NonceLength);

        Span<byte> dataKey = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, material, dataKey, salt, KdfInfo);
            using var gcm = new AesGcm(dataKey, TagLength);
            var aad = Aad(blob.AsSpan(0, headerLength), encryptionContext);
            gcm.Encrypt(nonce, plaintext, blob.AsSpan(headerLength, plaintext.Length), blob.AsSpan(headerLength + plaintext.Length), aad);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }

        return blob;
    }

    public CiphertextHeader? ReadHeader(ReadOnlySpan<byte> blob)
    {
        if (!TryLayout(blob, out var keyIdLength, out _))
        {
            return null;
        }

        var keyId = Encoding.ASCII.GetString(blob.Slice(2, keyIdLength));
        var materialId = Convert.ToHexStringLower(blob.Slice(2 + keyIdLength, MaterialIdLength));
        return new CiphertextHeader(keyId, materialId);
    }

    public byte[]? Decrypt(ReadOnlySpan<byte> material, ReadOnlySpan<byte> blob, IReadOnlyDictionary<string, string> encryptionContext)
    {
        if (!TryLayout(blob, out var keyIdLength, out var headerLength))
        {
            return null;
        }

        var salt = blob.Slice(2 + keyIdLength + MaterialIdLength, SaltLength);
        var nonce = blob.Slice(2 + keyIdLength + MaterialIdLength + SaltLength, NonceLength);
        var ciphertext = blob[headerLength..^TagLength];
        var tag = blob[^TagLength..];
        var plaintext = new byte[ciphertext.Length];
        Span<byte> dataKey = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, material, dataKey, salt, KdfInfo);
            using var gcm = new AesGcm(dataKey, TagLength);
            gcm.Decrypt(nonce, ciphertext, tag, plaintext, Aad(blob[..headerLength], encryptionContext));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Header followed by the canonical encryption context: pair count, then each key and value length-prefixed, sorted by key.</summary>
    internal static byte[] Aad(ReadOnlySpan<byte> header, IReadOnlyDictionary<string, string> context)
    {
        var pairs = context.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (Key: Encoding.UTF8.GetBytes(p.Key), Value: Encoding.UTF8.GetBytes(p.Value)))
            .ToList();
        var length = header.Length + 4 + pairs.Sum(p => 8 + p.Key.Length + p.Value.Length);
        var aad = new byte[length];
        header.CopyTo(aad);
        var offset = header.Length;
        BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(offset), (uint)pairs.Count);
        offset += 4;
        foreach (var (key, value) in pairs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(offset), (uint)key.Length);
            key.CopyTo(aad, offset + 4);
            offset += 4 + key.Length;
            BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(offset), (uint)value.Length);
            value.CopyTo(aad, offset + 4);
            offset += 4 + value.Length;
        }

        return aad;
    }

    private static bool TryLayout(ReadOnlySpan<byte> blob, out int keyIdLength, out int headerLength)
    {
        keyIdLength = 0;
        headerLength = 0;
        if (blob.Length < 2 || blob[0] != FormatVersion)
        {
            return false;
        }

        keyIdLength = blob[1];
        headerLength = 2 + keyIdLength + MaterialIdLength + SaltLength + NonceLength;
        if (keyIdLength == 0 || blob.Length < headerLength + TagLength)
        {
            return false;
        }

        foreach (var b in blob.Slice(2, keyIdLength))
        {
            if (b is < 0x21 or > 0x7e)
            {
                return false;
            }
        }

        return true;
    }
}
