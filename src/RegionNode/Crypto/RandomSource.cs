using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Crypto;

public sealed class RandomSource : IRandomSource
{
    public byte[] GetBytes(int count) => RandomNumberGenerator.GetBytes(count);

    public string NewKeyId(bool multiRegion) =>
        multiRegion ? "mrk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : Guid.NewGuid().ToString("D");
}
