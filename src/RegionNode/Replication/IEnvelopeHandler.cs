using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>Applies one kind of verified envelope.</summary>
public interface IEnvelopeHandler
{
    /// <summary>The payload's full protobuf name, for example "mrk.internal.v1.Probe".</summary>
    string Kind { get; }

    Task ApplyAsync(Envelope envelope, CancellationToken cancellationToken);
}
