using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>HMAC through the runtime; HMAC-SHA-224, which the runtime lacks, through BouncyCastle.</summary>
public sealed class MacEngine : IMacEngine
{
    public byte[] Compute(MacAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> message) => algorithm switch
    {
        MacAlgorithm.HMAC_SHA_224 => HmacSha224(key, message),
        MacAlgorithm.HMAC_SHA_256 => HMACSHA256.HashData(key, message),
        MacAlgorithm.HMAC_SHA_384 => HMACSHA384.HashData(key, message),
        MacAlgorithm.HMAC_SHA_512 => HMACSHA512.HashData(key, message),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    public bool Verify(MacAlgorithm algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> mac)
    {
        var expected = Compute(algorithm, key, message);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }

    private static byte[] HmacSha224(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        var hmac = new HMac(new Sha224Digest());
        hmac.Init(new KeyParameter(key));
        hmac.BlockUpdate(message);
        var output = new byte[hmac.GetMacSize()];
        hmac.DoFinal(output, 0);
        return output;
    }
}
