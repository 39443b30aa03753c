using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Seals the material outgoing messages carry, one key agreement per batch (<see cref="KeyDeliveries"/>).</summary>
public interface IDeliverySealer
{
    /// <summary>The agreement for one batch to <paramref name="destination"/>; null when it has no usable prekey here (the messages leave without material).</summary>
    Task<IBatchSeal?> BeginAsync(string destination, CancellationToken cancellationToken);
}

/// <summary>One batch's sealing; forgets its key when disposed.</summary>
public interface IBatchSeal : IDisposable
{
    /// <summary>The versions <paramref name="deliver"/> of <paramref name="keyId"/> sealed for message <paramref name="messageId"/>; null when none is held here any more.</summary>
    Task<KeyDelivery?> SealAsync(string keyId, string messageId, IReadOnlyList<string> deliver, CancellationToken cancellationToken);
}
