using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.TestSupport;

/// <summary>
/// A RegionNode a test talks to over gRPC, whether it runs as its own process or hosted in the test's process: the
/// per-operation cases are written once against this and run on the in-process host.
/// </summary>
public interface INodeUnderTest
{
    Uri Endpoint { get; }

    string Region { get; }

    string DataDirectory { get; }

    KeyManagementService.KeyManagementServiceClient Kms { get; }

    MrkClient Client { get; }

    /// <summary>Moves the node's clock forward (a node in test mode only).</summary>
    Task<DateTimeOffset> AdvanceClockAsync(TimeSpan by);
}
