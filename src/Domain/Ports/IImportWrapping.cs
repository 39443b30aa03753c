using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>An RSA wrapping key pair: the public half as DER SubjectPublicKeyInfo, the private half as PKCS#8 DER.</summary>
public sealed record WrappingKeyPair(byte[] PublicKey, byte[] PrivateKey);

/// <summary>A new import token and the ID under which its parameters are stored (a one-way function of the token).</summary>
public sealed record ImportToken(byte[] Token, string TokenId);

/// <summary>The cryptography of importing key material: wrapping keys, tokens, and unwrapping what callers send.</summary>
public interface IImportWrapping
{
    WrappingKeyPair CreateWrappingKey(WrappingKeySpec spec);

    ImportToken NewToken();

    /// <summary>The stored ID of <paramref name="token"/>, as <see cref="NewToken"/> gave it.</summary>
    string TokenId(ReadOnlySpan<byte> token);

    /// <summary>
    /// The material inside <paramref name="encrypted"/>, wrapped under the public half of <paramref name="privateKey"/>
    /// with <paramref name="algorithm"/>. The caller zeroes the result. InvalidCiphertextException when it cannot be unwrapped.
    /// </summary>
    byte[] Unwrap(ReadOnlySpan<byte> privateKey, WrappingAlgorithm algorithm, ReadOnlySpan<byte> encrypted);
}
