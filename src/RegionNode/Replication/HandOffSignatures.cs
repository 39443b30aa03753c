using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// Signatures over hand-offs of the primary role with the Region's replication signing key (ECDSA P-384, SHA-384,
/// DER), over an explicit encoding so every implementation computes the same bytes: "mrk/v1/hand-off\0" || key ID,
/// previous primary, new primary, requested by (each uint32 BE length and UTF-8) || int64 BE epoch.
/// </summary>
public static class HandOffSignatures
{
    public static byte[] SignedBytes(string keyId, long epoch, string previousPrimary, string newPrimary, string requestedBy) =>
        Cluster.SignedFields.Encode("mrk/v1/hand-off\0", [keyId, previousPrimary, newPrimary, requestedBy], epoch);

    public static HandOff Sign(ECDsa signingKey, string keyId, long epoch, string previousPrimary, string newPrimary, string requestedBy) =>
        new(epoch, previousPrimary, newPrimary,
            signingKey.SignData(SignedBytes(keyId, epoch, previousPrimary, newPrimary, requestedBy), HashAlgorithmName.SHA384,
                DSASignatureFormat.Rfc3279DerSequence), requestedBy);

    public static bool Verify(ECDsa publicKey, string keyId, HandOff handOff)
    {
        try
        {
            return publicKey.VerifyData(SignedBytes(keyId, handOff.Epoch, handOff.PreviousPrimary, handOff.NewPrimary, handOff.RequestedBy), handOff.Signature,
                HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
