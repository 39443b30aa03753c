using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>Operations with an asymmetric key's private material (PKCS#8 DER).</summary>
public interface IAsymmetricEngine
{
    /// <summary>The DER SubjectPublicKeyInfo of the key pair.</summary>
    byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> privateKey);

    byte[] Sign(KeySpec spec, ReadOnlySpan<byte> privateKey, SigningAlgorithm algorithm, ReadOnlySpan<byte> message, MessageType messageType);

    bool Verify(KeySpec spec, ReadOnlySpan<byte> privateKey, SigningAlgorithm algorithm, ReadOnlySpan<byte> message,
        MessageType messageType, ReadOnlySpan<byte> signature);

    byte[] Encrypt(ReadOnlySpan<byte> privateKey, EncryptionAlgorithm algorithm, ReadOnlySpan<byte> plaintext);

    /// <summary>The plaintext, or null when the ciphertext does not decrypt.</summary>
    byte[]? Decrypt(ReadOnlySpan<byte> privateKey, EncryptionAlgorithm algorithm, ReadOnlySpan<byte> ciphertext);

    /// <summary>The raw ECDH shared secret (the x coordinate), or null when the peer key is unusable.</summary>
    byte[]? DeriveSharedSecret(KeySpec spec, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey);

    /// <summary>Releases anything kept loaded from this private key: its plaintext is about to be zeroed.</summary>
    void Forget(ReadOnlySpan<byte> privateKey);

    /// <summary>A fresh key pair: PKCS#8 DER private key and DER SubjectPublicKeyInfo.</summary>
    (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair(DataKeyPairSpec spec);
}
