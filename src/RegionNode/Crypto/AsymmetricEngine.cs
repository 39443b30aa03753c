using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// RSA, ECDSA and ECDH through the .NET runtime (OpenSSL underneath: about 20x faster than managed RSA), Ed25519 and
/// ML-DSA through BouncyCastle. Private keys arrive as PKCS#8 DER; RSA and ECDSA keys stay imported in a pool until
/// <see cref="Forget"/> (called when the plaintext they came from is zeroed).
/// </summary>
public sealed class AsymmetricEngine : IAsymmetricEngine
{
    private readonly LoadedKeyPool _loaded = new();

    /// <summary>Private keys kept loaded (distinct materials).</summary>
    public int LoadedCount => _loaded.Count;

    public void Forget(ReadOnlySpan<byte> privateKey) => _loaded.Forget(privateKey);

    public byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> privateKey)
    {
        if (CurveNames.IsRsa(spec))
        {
            return WithRsa(spec, privateKey, rsa => rsa.ExportSubjectPublicKeyInfo());
        }

        if (CurveNames.IsEllipticCurve(spec))
        {
            return WithEcdsa(spec, privateKey, ec => ec.ExportSubjectPublicKeyInfo());
        }

        return PostQuantumKeys.PublicKeyInfo(PostQuantumKeys.PrivateKey(spec, privateKey));
    }

    public byte[] Sign(KeySpec spec, ReadOnlySpan<byte> privateKey, SigningAlgorithm algorithm, ReadOnlySpan<byte> message,
        MessageType messageType)
    {
        if (CurveNames.IsRsa(spec))
        {
            var (hash, padding) = Primitives.RsaSignature(algorithm);
            var input = message.ToArray();
            return WithRsa(spec, privateKey, rsa => messageType == MessageType.DIGEST ? rsa.SignHash(input, hash, padding) : rsa.SignData(input, hash, padding));
        }

        if (CurveNames.IsEllipticCurve(spec))
        {
            var input = message.ToArray();
            return WithEcdsa(spec, privateKey, ec => messageType == MessageType.DIGEST
                ? ec.SignHash(input, DSASignatureFormat.Rfc3279DerSequence)
                : ec.SignData(input, Primitives.EcdsaHash(algorithm), DSASignatureFormat.Rfc3279DerSequence));
        }

        var signer = Primitives.BouncySigner(spec, algorithm);
        signer.Init(true, PostQuantumKeys.PrivateKey(spec, privateKey));
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }

    public bool Verify(KeySpec spec, ReadOnlySpan<byte> privateKey, SigningAlgorithm algorithm, ReadOnlySpan<byte> message,
        MessageType messageType, ReadOnlySpan<byte> signature)
    {
        if (CurveNames.IsRsa(spec))
        {
            var (input, signed) = (message.ToArray(), signature.ToArray());
            return WithRsa(spec, privateKey, rsa => Primitives.Rsa(rsa, algorithm, input, messageType, signed));
        }

        if (CurveNames.IsEllipticCurve(spec))
        {
            var (input, signed) = (message.ToArray(), signature.ToArray());
            return WithEcdsa(spec, privateKey, ec => Primitives.Ecdsa(ec, algorithm, input, messageType, signed));
        }

        return Primitives.Bouncy(spec, algorithm, PostQuantumKeys.PublicOf(PostQuantumKeys.PrivateKey(spec, privateKey)), message, signature);
    }

    public byte[] Encrypt(ReadOnlySpan<byte> privateKey, EncryptionAlgorithm algorithm, ReadOnlySpan<byte> plaintext)
    {
        var input = plaintext.ToArray();
        try
        {
            return WithRsa(null, privateKey, rsa => rsa.Encrypt(input, Primitives.OaepPadding(algorithm)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    public byte[]? Decrypt(ReadOnlySpan<byte> privateKey, EncryptionAlgorithm algorithm, ReadOnlySpan<byte> ciphertext)
    {
        var input = ciphertext.ToArray();
        return WithRsa(null, privateKey, rsa => Primitives.OaepDecrypt(rsa, algorithm, input));
    }

    public byte[]? DeriveSharedSecret(KeySpec spec, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey)
    {
        using var own = ECDiffieHellman.Create();
        own.ImportPkcs8PrivateKey(privateKey, out _);
        return Primitives.Ecdh(own, peerPublicKey, CurveNames.Oid(spec));
    }

    public (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair(DataKeyPairSpec spec)
    {
        switch (spec)
        {
            case DataKeyPairSpec.RSA_2048 or DataKeyPairSpec.RSA_3072 or DataKeyPairSpec.RSA_4096:
                using (var rsa = RSA.Create(spec switch { DataKeyPairSpec.RSA_2048 => 2048, DataKeyPairSpec.RSA_3072 => 3072, _ => 4096 }))
                {
                    return (rsa.ExportPkcs8PrivateKey(), rsa.ExportSubjectPublicKeyInfo());
                }

            case DataKeyPairSpec.ECC_NIST_EDWARDS25519:
                var stored = PostQuantumKeys.Generate(KeySpec.ECC_NIST_EDWARDS25519);
                try
                {
                    var ed = (Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters)PostQuantumKeys.PrivateKey(KeySpec.ECC_NIST_EDWARDS25519, stored);
                    return (PostQuantumKeys.PortableEd25519(ed), PostQuantumKeys.PublicKeyInfo(ed));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(stored);
                }
            default:
                using (var ec = ECDsa.Create(CurveNames.For(spec)))
                {
                    return (ec.ExportPkcs8PrivateKey(), ec.ExportSubjectPublicKeyInfo());
                }
        }
    }

    private T WithRsa<T>(KeySpec? spec, ReadOnlySpan<byte> pkcs8, Func<RSA, T> operation) =>
        _loaded.Use(pkcs8, material => LoadRsa(spec, material), operation);

    private T WithEcdsa<T>(KeySpec spec, ReadOnlySpan<byte> pkcs8, Func<ECDsa, T> operation) =>
        _loaded.Use(pkcs8, material => LoadEcdsa(spec, material), operation);

    private static RSA LoadRsa(KeySpec? spec, ReadOnlySpan<byte> pkcs8)
    {
        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        if (spec is { } expected && rsa.KeySize != CurveNames.RsaBits(expected))
        {
            rsa.Dispose();
            throw new MaterialMismatchException($"stored material does not match key spec {expected}");
        }

        return rsa;
    }

    private static ECDsa LoadEcdsa(KeySpec spec, ReadOnlySpan<byte> pkcs8)
    {
        var ec = ECDsa.Create();
        ec.ImportPkcs8PrivateKey(pkcs8, out _);
        if (ec.ExportParameters(false).Curve.Oid.Value != CurveNames.Oid(spec))
        {
            ec.Dispose();
            throw new MaterialMismatchException($"stored material does not match key spec {spec}");
        }

        return ec;
    }
}
