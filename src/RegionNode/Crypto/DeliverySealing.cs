using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>What the material of one batch is bound to: the destination's prekey, and the two Regions.</summary>
public sealed record DeliveryContext(string PrekeyId, string SourceRegion, string DestinationRegion);

/// <summary>
/// Material that travels with the message announcing it, sealed for the destination alone (relay.proto, KeyDelivery):
/// one ECDH P-384 agreement per batch between the destination's one-time prekey and an ephemeral key of the sender,
/// HKDF-Extract (SHA-256, salt SHA-256(prekey public || sender public)) to a pseudorandom key for the batch, and
/// HKDF-Expand per message, bound to the prekey ID, both Regions, the key ID and the message ID.
/// </summary>
public static class DeliverySealing
{
    private static readonly byte[] Label = Encoding.ASCII.GetBytes("mrk/v1/key-delivery\0");

    /// <summary>A one-time prekey pair: public key (SubjectPublicKeyInfo DER) and private scalar (48 bytes; the caller zeroes it).</summary>
    public static (byte[] PublicKey, byte[] PrivateKey) CreatePrekey() => P384Agreement.Create();

    /// <summary>True when <paramref name="publicKey"/> is exactly one P-384 SubjectPublicKeyInfo whose point lies on the curve.</summary>
    public static bool IsPrekey(ReadOnlySpan<byte> publicKey) => P384Agreement.Parse(publicKey) is not null;

    /// <summary>The sender's side for one batch: a fresh ephemeral key, forgotten once the agreement is made.</summary>
    public static DeliverySession Seal(ReadOnlySpan<byte> prekeyPublic, DeliveryContext context)
    {
        var (senderPublic, ephemeral) = P384Agreement.Create();
        try
        {
            return new DeliverySession(senderPublic, BatchKey(P384Agreement.Agree(ephemeral, prekeyPublic), prekeyPublic, senderPublic), context);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeral);
        }
    }

    /// <summary>The destination's side for one batch; throws <see cref="CryptographicException"/> if the sender's key is not a P-384 key.</summary>
    public static DeliverySession Open(ReadOnlySpan<byte> prekeyPrivate, ReadOnlySpan<byte> prekeyPublic, ReadOnlySpan<byte> senderPublic,
        DeliveryContext context) =>
        new(senderPublic.ToArray(), BatchKey(P384Agreement.Agree(prekeyPrivate, senderPublic), prekeyPublic, senderPublic), context);

    internal static byte[] MessageKey(byte[] batchKey, DeliveryContext context, string keyId, string messageId) =>
        HKDF.Expand(HashAlgorithmName.SHA256, batchKey, 32,
            MaterialSealing.Info(Label, context.PrekeyId, context.SourceRegion, context.DestinationRegion, keyId, messageId));

    private static byte[] BatchKey(byte[] secret, ReadOnlySpan<byte> prekeyPublic, ReadOnlySpan<byte> senderPublic)
    {
        try
        {
            return HKDF.Extract(HashAlgorithmName.SHA256, secret, SHA256.HashData([.. prekeyPublic, .. senderPublic]));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}

/// <summary>One batch's agreed key, on either side; zeroed when disposed.</summary>
public sealed class DeliverySession(byte[] senderPublicKey, byte[] batchKey, DeliveryContext context) : IDisposable
{
    public byte[] SenderPublicKey { get; } = senderPublicKey;

    public DeliveryContext Context { get; } = context;

    public IReadOnlyList<TransportedMaterial> Seal(string keyId, string messageId, IReadOnlyList<(string MaterialId, byte[] Material)> materials)
    {
        var key = DeliverySealing.MessageKey(batchKey, Context, keyId, messageId);
        try
        {
            return MaterialSealing.Seal(key, materials);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The plaintext of each version, in order; throws <see cref="CryptographicException"/> if any was altered or bound to another message.</summary>
    public IReadOnlyList<(string MaterialId, byte[] Material)> Open(string keyId, string messageId, IReadOnlyList<TransportedMaterial> materials)
    {
        var key = DeliverySealing.MessageKey(batchKey, Context, keyId, messageId);
        try
        {
            return MaterialSealing.Open(key, materials);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(batchKey);
}
