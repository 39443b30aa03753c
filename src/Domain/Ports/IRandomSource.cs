namespace Grpc.Mrk.RegionNode.Domain.Ports;

/// <summary>Cryptographically secure random bytes.</summary>
public interface IRandomSource
{
    byte[] GetBytes(int count);

    /// <summary>A new multi-Region key ID or UUID key ID.</summary>
    string NewKeyId(bool multiRegion);
}
