using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// RSA-OAEP and RSA-OAEP + AES key wrap with padding (RFC 5649) through the runtime's primitives, as AWS defines the
/// import wrapping algorithms: OAEP with MGF1 over the same hash; for RSA_AES_KEY_WRAP_* the RSA ciphertext of an
/// AES-256 key (the modulus length) followed by the material wrapped under that key.
/// </summary>
public sealed class ImportWrapping : IImportWrapping
{
    private const int TokenLength = 32;
    private static readonly byte[] TokenPrefix = "mrkimp1"u8.ToArray();

    public WrappingKeyPair CreateWrappingKey(WrappingKeySpec spec)
    {
        using var rsa = RSA.Create(spec switch
        {
            WrappingKeySpec.RSA_2048 => 2048,
            WrappingKeySpec.RSA_3072 => 3072,
            WrappingKeySpec.RSA_4096 => 4096,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, null),
        });
        return new WrappingKeyPair(rsa.ExportSubjectPublicKeyInfo(), rsa.ExportPkcs8PrivateKey());
    }

    public ImportToken NewToken()
    {
        var token = new byte[TokenPrefix.Length + TokenLength];
        TokenPrefix.CopyTo(token, 0);
        RandomNumberGenerator.Fill(token.AsSpan(TokenPrefix.Length));
        return new ImportToken(token, TokenId(token));
    }

    // Only a hash of the token is stored, so the store alone cannot be used to import.
    public string TokenId(ReadOnlySpan<byte> token) => Convert.ToHexStringLower(SHA256.HashData(token));

    public byte[] Unwrap(ReadOnlySpan<byte> privateKey, WrappingAlgorithm algorithm, ReadOnlySpan<byte> encrypted)
    {
        using var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(privateKey, out _);
        // The same OAEP decryption (and Wycheproof coverage) as Decrypt with an RSA key.
        var oaep = algorithm is WrappingAlgorithm.RSAES_OAEP_SHA_1 or WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1
            ? EncryptionAlgorithm.RSAES_OAEP_SHA_1
            : EncryptionAlgorithm.RSAES_OAEP_SHA_256;
        var modulusLength = rsa.KeySize / 8;
        if (algorithm is WrappingAlgorithm.RSAES_OAEP_SHA_1 or WrappingAlgorithm.RSAES_OAEP_SHA_256)
        {
            return Primitives.OaepDecrypt(rsa, oaep, encrypted) ?? throw CannotUnwrap();
        }

        // RFC 5649 output is at least 16 bytes, after the RSA part.
        if (encrypted.Length < modulusLength + 16)
        {
            throw CannotUnwrap();
        }

        var aesKey = Primitives.OaepDecrypt(rsa, oaep, encrypted[..modulusLength]) ?? throw CannotUnwrap();
        try
        {
            if (aesKey.Length != 32)
            {
                throw CannotUnwrap();
            }

            using var aes = Aes.Create();
            aes.SetKey(aesKey);
            return aes.DecryptKeyWrapPadded(encrypted[modulusLength..]);
        }
        catch (CryptographicException)
        {
            throw CannotUnwrap();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(aesKey);
        }
    }

    private static KmsException CannotUnwrap() =>
        new(KmsErrorCodes.InvalidCiphertext,
            "The encrypted key material could not be unwrapped with this import token's wrapping key and algorithm.");
}
