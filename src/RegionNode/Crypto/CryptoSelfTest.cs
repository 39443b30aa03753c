using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>
/// What a cryptographic module runs before it serves (the pre-operational and conditional self-tests of FIPS 140-3):
/// known answers from published vectors for the primitives the node computes with, a pairwise check of each signing key
/// it holds, and round trips of its own constructions (the ciphertext format, material sealed for another Region, the
/// domain key's wrapping). A library that computes wrongly stops the node before it writes a ciphertext no Region could
/// read or a signature no peer would accept. Each of those paths also runs here first, not in a caller's first request.
/// </summary>
public static class CryptoSelfTest
{
    /// <summary>The names of the checks that failed; empty when every check passed.</summary>
    public static IReadOnlyList<string> Run(IMaterialProtector protector, IReadOnlyList<(string Name, ECDsa Key)> signingKeys)
    {
        var failed = new List<string>();
        Check(failed, "AES-256-GCM known answer (Wycheproof aes_gcm tcId 100)", AesGcmKnownAnswer);
        Check(failed, "HKDF-SHA256 known answer (RFC 5869 case 1)", HkdfKnownAnswer);
        Check(failed, "HMAC-SHA256 known answer (Wycheproof hmac_sha256 tcId 3)", HmacKnownAnswer);
        Check(failed, "ECDH P-384 known answer (Wycheproof ecdh_secp384r1 tcId 1)", EcdhKnownAnswer);
        Check(failed, "random generator: two draws differ", RandomDrawsDiffer);
        Check(failed, "ciphertext format round trip", CiphertextRoundTrip);
        Check(failed, "material sealed for another Region, opened", DeliveryRoundTrip);
        Check(failed, "domain key wrap and unwrap", () => DomainKeyRoundTrip(protector));
        foreach (var (name, key) in signingKeys)
        {
            Check(failed, $"{name}: sign and verify", () => Pairwise(key));
        }

        return failed;
    }

    private static void Check(List<string> failed, string name, Func<bool> check)
    {
        bool passed;
        try
        {
            passed = check();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever a broken library throws, the start is refused by name, not by a stack trace.
            passed = false;
        }

        if (!passed)
        {
            failed.Add(name);
        }
    }

    private static bool AesGcmKnownAnswer()
    {
        var key = Convert.FromHexString("b279f57e19c8f53f2f963f5f2519fdb7c1779be2ca2b3ae8e1128b7d6c627fc4");
        var nonce = Convert.FromHexString("98bc2c7438d5cd7665d76f6e");
        var aad = Convert.FromHexString("c0");
        var message = Convert.FromHexString("fcc515b294408c8645c9183e3f4ecee5127846d1");
        var expected = Convert.FromHexString("eb5500e3825952866d911253f8de860c00831c81" + "ecb660e1fb0541ec41e8d68a64141b3a");
        using var gcm = new AesGcm(key, 16);
        var sealedBytes = new byte[message.Length + 16];
        gcm.Encrypt(nonce, message, sealedBytes.AsSpan(0, message.Length), sealedBytes.AsSpan(message.Length), aad);
        if (!sealedBytes.AsSpan().SequenceEqual(expected))
        {
            return false;
        }

        var opened = new byte[message.Length];
        gcm.Decrypt(nonce, expected.AsSpan(0, message.Length), expected.AsSpan(message.Length), opened, aad);
        expected[^1] ^= 1;
        try
        {
            gcm.Decrypt(nonce, expected.AsSpan(0, message.Length), expected.AsSpan(message.Length), opened.AsSpan(), aad);
            return false;
        }
        catch (AuthenticationTagMismatchException)
        {
            return true;
        }
    }

    private static bool HkdfKnownAnswer()
    {
        var output = new byte[42];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromHexString("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), output,
            Convert.FromHexString("000102030405060708090a0b0c"), Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9"));
        return output.AsSpan().SequenceEqual(
            Convert.FromHexString("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
    }

    private static bool HmacKnownAnswer() =>
        new MacEngine().Verify(MacAlgorithm.HMAC_SHA_256,
            Convert.FromHexString("85a7cbaae825bb82c9b6f6c5c2af5ac03d1f6daa63d2a93c189948ec41b9ded9"), Convert.FromHexString("a59b"),
            Convert.FromHexString("0fe2f13bba2198f6dda1a084be928e304e9cb16a56bc0b7b939a073280244373"));

    private static bool EcdhKnownAnswer()
    {
        var privateKey = Convert.FromHexString("766e61425b2da9f846c09fc3564b93a6f8603b7392c785165bf20da948c49fd1fb1dee4edd64356b9f21c588b75dfd81");
        var peer = Convert.FromHexString(
            "3076301006072a8648ce3d020106052b8104002203620004790a6e059ef9a5940163183d4a7809135d29791643fc43a2f17ee8bf677ab84f791b64a6"
            + "be15969ffa012dd9185d8796d9b954baa8a75e82df711b3b56eadff6b0f668c3b26b4b1aeb308a1fcc1c680d329a6705025f1c98a0b5e5bfcb163caa");
        var shared = P384Agreement.Agree(privateKey, peer);
        return shared.AsSpan().SequenceEqual(
            Convert.FromHexString("6461defb95d996b24296f5a1832b34db05ed031114fbe7d98d098f93859866e4de1e229da71fef0c77fe49b249190135"));
    }

    private static bool RandomDrawsDiffer() =>
        !RandomNumberGenerator.GetBytes(32).AsSpan().SequenceEqual(RandomNumberGenerator.GetBytes(32));

    private static bool CiphertextRoundTrip()
    {
        var envelope = new SymmetricEnvelope();
        var material = RandomNumberGenerator.GetBytes(32);
        var materialId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var context = new Dictionary<string, string> { ["purpose"] = "self-test" };
        var plaintext = Encoding.ASCII.GetBytes("self-test");
        var blob = envelope.Encrypt(material, "self-test", materialId, plaintext, context);
        var opened = envelope.Decrypt(material, blob, context);
        var otherContext = envelope.Decrypt(material, blob, new Dictionary<string, string> { ["purpose"] = "other" });
        CryptographicOperations.ZeroMemory(material);
        return opened is not null && opened.AsSpan().SequenceEqual(plaintext) && otherContext is null
               && envelope.ReadHeader(blob) is { KeyId: "self-test" } header && header.MaterialId == materialId;
    }

    private static bool DeliveryRoundTrip()
    {
        var (prekeyPublic, prekeyPrivate) = DeliverySealing.CreatePrekey();
        var context = new DeliveryContext("self-test", "self-test-source", "self-test-destination");
        var material = RandomNumberGenerator.GetBytes(32);
        try
        {
            using var sender = DeliverySealing.Seal(prekeyPublic, context);
            var sealedMaterial = sender.Seal("self-test", "message-1", [("material-1", material)]);
            using var receiver = DeliverySealing.Open(prekeyPrivate, prekeyPublic, sender.SenderPublicKey, context);
            var opened = receiver.Open("self-test", "message-1", sealedMaterial);
            var same = opened.Count == 1 && opened[0].Material.AsSpan().SequenceEqual(material);
            foreach (var (_, openedMaterial) in opened)
            {
                CryptographicOperations.ZeroMemory(openedMaterial);
            }

            try
            {
                // Bound to its message: the same sealed bytes under another message ID must not open.
                receiver.Open("self-test", "message-2", sealedMaterial);
                return false;
            }
            catch (CryptographicException)
            {
                return same;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prekeyPrivate);
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private static bool DomainKeyRoundTrip(IMaterialProtector protector)
    {
        var material = RandomNumberGenerator.GetBytes(32);
        var materialId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var unwrapped = protector.Unwrap(protector.Wrap(material, "self-test", materialId), "self-test", materialId);
        var same = unwrapped.AsSpan().SequenceEqual(material);
        CryptographicOperations.ZeroMemory(material);
        CryptographicOperations.ZeroMemory(unwrapped);
        return same;
    }

    private static bool Pairwise(ECDsa key)
    {
        var message = Encoding.ASCII.GetBytes("mrk/v1/self-test\0");
        var signature = key.SignData(message, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence);
        if (!key.VerifyData(message, signature, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence))
        {
            return false;
        }

        message[0] ^= 1;
        return !key.VerifyData(message, signature, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence);
    }
}
