using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// Checks that imported material is a key of the key's spec, and brings asymmetric keys into the one encoding this
/// product stores (the runtime's PKCS#8 export, or BouncyCastle's for Ed25519), so the same key always gets the same
/// material ID whichever encoder the caller used. Messages never contain the material.
/// </summary>
internal static class ImportedMaterialCheck
{
    private static readonly byte[] PairwiseMessage = "mrk/v1/imported-key-pairwise-check"u8.ToArray();

    public static byte[] Accept(KeySpec spec, ReadOnlySpan<byte> material)
    {
        if (spec is KeySpec.SYMMETRIC_DEFAULT or KeySpec.HMAC_224 or KeySpec.HMAC_256 or KeySpec.HMAC_384 or KeySpec.HMAC_512)
        {
            var (min, max) = KeySpecCatalog.ImportedSecretLength(spec);
            return material.Length >= min && material.Length <= max
                ? material.ToArray()
                : throw Incorrect(min == max
                    ? $"Key material for {spec} must be {min} bytes; the imported material has {material.Length}."
                    : $"Key material for {spec} must be {min} to {max} bytes; the imported material has {material.Length}.");
        }

        try
        {
            if (CurveNames.IsRsa(spec))
            {
                using var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(material, out var read);
                RequireWhole(read, material.Length, spec);
                if (rsa.KeySize != CurveNames.RsaBits(spec))
                {
                    throw Incorrect($"The imported key is RSA with a {rsa.KeySize}-bit modulus; {spec} needs {CurveNames.RsaBits(spec)} bits.");
                }

                var signature = rsa.SignData(PairwiseMessage, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
                RequirePairwise(rsa.VerifyData(PairwiseMessage, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss), spec);
                return rsa.ExportPkcs8PrivateKey();
            }

            if (CurveNames.IsEllipticCurve(spec))
            {
                using var ec = ECDsa.Create();
                ec.ImportPkcs8PrivateKey(material, out var read);
                RequireWhole(read, material.Length, spec);
                if (ec.ExportParameters(false).Curve.Oid.Value != CurveNames.Oid(spec))
                {
                    throw Incorrect($"The imported key is not on the curve of {spec}.");
                }

                var signature = ec.SignData(PairwiseMessage, HashAlgorithmName.SHA256);
                RequirePairwise(ec.VerifyData(PairwiseMessage, signature, HashAlgorithmName.SHA256), spec);
                return ec.ExportPkcs8PrivateKey();
            }

            if (spec == KeySpec.ECC_NIST_EDWARDS25519)
            {
                // A version-2 PKCS#8 carries the public key too: it must be this private key's, or the key is two keys.
                var info = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(material.ToArray()));
                var key = (Ed25519PrivateKeyParameters)PostQuantumKeys.PrivateKey(spec, material);
                var derived = key.GeneratePublicKey().GetEncoded();
                if (info.PublicKey is { } embedded && !embedded.GetOctets().AsSpan().SequenceEqual(derived))
                {
                    throw Incorrect($"The imported {spec} private key is inconsistent: its embedded public key is not the one its private key derives.");
                }

                var signer = new Ed25519Signer();
                signer.Init(true, key);
                signer.BlockUpdate(PairwiseMessage, 0, PairwiseMessage.Length);
                var signature = signer.GenerateSignature();
                var verifier = new Ed25519Signer();
                verifier.Init(false, key.GeneratePublicKey());
                verifier.BlockUpdate(PairwiseMessage, 0, PairwiseMessage.Length);
                RequirePairwise(verifier.VerifySignature(signature), spec);
                return PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
            }
        }
        catch (KmsException)
        {
            throw;
        }
        catch (Exception)
        {
            // Whatever the parsers make of hostile bytes (format, cast or argument errors), the answer is the same.
            throw Incorrect($"The imported key material is not a PKCS#8 DER private key of key spec {spec}.");
        }

        throw KmsErrors.Unsupported($"KeySpec {spec} does not support imported key material.");
    }

    private static void RequireWhole(int read, int length, KeySpec spec)
    {
        if (read != length)
        {
            throw Incorrect($"The imported key material has bytes after its PKCS#8 DER private key of key spec {spec}.");
        }
    }

    private static void RequirePairwise(bool consistent, KeySpec spec)
    {
        if (!consistent)
        {
            throw Incorrect($"The imported {spec} private key is inconsistent (its signature does not verify with its own public key).");
        }
    }

    private static KmsException Incorrect(string message) => KmsErrors.IncorrectKeyMaterial(message);
}
