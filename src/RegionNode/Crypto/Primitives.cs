using System.Formats.Asn1;
using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Signers;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// The verifying and decrypting primitives exactly as the engine calls them, on public (or loaded) keys, so the
/// Wycheproof vectors test the very code path the product uses.
/// </summary>
internal static class Primitives
{
    public static bool Rsa(RSA rsa, SigningAlgorithm algorithm, ReadOnlySpan<byte> message, MessageType messageType, ReadOnlySpan<byte> signature)
    {
        var (hash, padding) = RsaSignature(algorithm);
        return messageType == MessageType.DIGEST
            ? rsa.VerifyHash(message, signature, hash, padding)
            : rsa.VerifyData(message, signature, hash, padding);
    }

    /// <summary>
    /// ECDSA with DER signatures (as AWS returns them), verified strictly: the runtime's own DER reader tolerates
    /// some BER forms (for example an integer missing its leading zero), so the encoding is checked here first.
    /// </summary>
    public static bool Ecdsa(ECDsa ec, SigningAlgorithm algorithm, ReadOnlySpan<byte> message, MessageType messageType, ReadOnlySpan<byte> signature)
    {
        var fixedField = StrictDerToP1363(signature, (ec.KeySize + 7) / 8);
        if (fixedField is null)
        {
            return false;
        }

        return messageType == MessageType.DIGEST
            ? ec.VerifyHash(message, fixedField, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            : ec.VerifyData(message, fixedField, EcdsaHash(algorithm), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>r||s from a strictly DER-encoded ECDSA-Sig-Value with positive r and s, or null.</summary>
    public static byte[]? StrictDerToP1363(ReadOnlySpan<byte> der, int fieldBytes)
    {
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var r = sequence.ReadIntegerBytes();
            var s = sequence.ReadIntegerBytes();
            sequence.ThrowIfNotEmpty();
            var output = new byte[2 * fieldBytes];
            return CopyPositive(r.Span, output.AsSpan(0, fieldBytes)) && CopyPositive(s.Span, output.AsSpan(fieldBytes)) ? output : null;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    private static bool CopyPositive(ReadOnlySpan<byte> integer, Span<byte> field)
    {
        if ((integer[0] & 0x80) != 0)
        {
            return false;
        }

        var magnitude = integer[0] == 0 ? integer[1..] : integer;
        if (magnitude.Length > field.Length)
        {
            return false;
        }

        magnitude.CopyTo(field[(field.Length - magnitude.Length)..]);
        return true;
    }

    public static bool Bouncy(KeySpec spec, SigningAlgorithm algorithm, AsymmetricKeyParameter publicKey, ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature)
    {
        var verifier = BouncySigner(spec, algorithm);
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(message);
        return verifier.VerifySignature(signature.ToArray());
    }

    public static byte[]? OaepDecrypt(RSA rsa, EncryptionAlgorithm algorithm, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length != rsa.KeySize / 8)
        {
            return null;
        }

        try
        {
            return rsa.Decrypt(ciphertext.ToArray(), OaepPadding(algorithm));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Raw ECDH secret with a peer SubjectPublicKeyInfo, accepted only on the named curve <paramref name="curveOid"/>.</summary>
    public static byte[]? Ecdh(ECDiffieHellman own, ReadOnlySpan<byte> peerPublicKey, string curveOid)
    {
        using var peer = ECDiffieHellman.Create();
        try
        {
            peer.ImportSubjectPublicKeyInfo(peerPublicKey, out var read);
            var curve = peer.ExportParameters(false).Curve;
            if (read != peerPublicKey.Length || !curve.IsNamed || curve.Oid.Value != curveOid)
            {
                return null;
            }

            // The public key object holds a native handle of its own: released here, not left to the finalizer.
            using var peerPublic = peer.PublicKey;
            return own.DeriveRawSecretAgreement(peerPublic);
        }
        catch (Exception e) when (e is CryptographicException or PlatformNotSupportedException)
        {
            // PlatformNotSupportedException: a public key on a curve the platform does not know.
            return null;
        }
    }

    /// <summary>Ed25519 (pure, or prehashed with SHA-512 and an empty context, as ED25519_PH_SHA_512) and ML-DSA.</summary>
    public static ISigner BouncySigner(KeySpec spec, SigningAlgorithm algorithm) => spec == KeySpec.ECC_NIST_EDWARDS25519
        ? algorithm == SigningAlgorithm.ED25519_PH_SHA_512 ? new Ed25519phSigner([]) : new Ed25519Signer()
        : new MLDsaSigner(PostQuantumKeys.MlDsaParameters(spec), deterministic: false);

    public static (HashAlgorithmName, RSASignaturePadding) RsaSignature(SigningAlgorithm algorithm) => algorithm switch
    {
        SigningAlgorithm.RSASSA_PSS_SHA_256 => (HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
        SigningAlgorithm.RSASSA_PSS_SHA_384 => (HashAlgorithmName.SHA384, RSASignaturePadding.Pss),
        SigningAlgorithm.RSASSA_PSS_SHA_512 => (HashAlgorithmName.SHA512, RSASignaturePadding.Pss),
        SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_256 => (HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_384 => (HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
        SigningAlgorithm.RSASSA_PKCS1_V1_5_SHA_512 => (HashAlgorithmName.SHA512, RSASignaturePadding.Pkcs1),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not an RSA signing algorithm"),
    };

    public static HashAlgorithmName EcdsaHash(SigningAlgorithm algorithm) => algorithm switch
    {
        SigningAlgorithm.ECDSA_SHA_256 => HashAlgorithmName.SHA256,
        SigningAlgorithm.ECDSA_SHA_384 => HashAlgorithmName.SHA384,
        SigningAlgorithm.ECDSA_SHA_512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not an ECDSA signing algorithm"),
    };

    public static RSAEncryptionPadding OaepPadding(EncryptionAlgorithm algorithm) => algorithm switch
    {
        EncryptionAlgorithm.RSAES_OAEP_SHA_1 => RSAEncryptionPadding.OaepSHA1,
        EncryptionAlgorithm.RSAES_OAEP_SHA_256 => RSAEncryptionPadding.OaepSHA256,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "not an RSA encryption algorithm"),
    };
}
