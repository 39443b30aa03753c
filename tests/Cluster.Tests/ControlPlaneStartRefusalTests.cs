using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.Identity;
using Grpc.Mrk.TestSupport;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// A relay store the ControlPlane cannot use is a start-up refusal that names the flag (exit code 2), never a crash
/// from deep inside a client library and never a ControlPlane that starts on some other store.
/// </summary>
public sealed class ControlPlaneStartRefusalTests
{
    [Theory]
    [InlineData("redis://127.0.0.1:6379", "", "--queue must be sqlite or the relay log's servers")]
    [InlineData("nats://127.0.0.1", "", "--queue must be sqlite or the relay log's servers")]
    [InlineData("nats://127.0.0.1:4222,http://127.0.0.1:80", "", "--queue must be sqlite or the relay log's servers")]
    [InlineData("nats://127.0.0.1:4222", "", "--log-cert must name an existing PEM file")]
    [InlineData("nats://127.0.0.1:4222", "--log-replicas 9", "--log-replicas must be 1-5")]
    public async Task ReplicatedQueue_ItCannotUse_IsRefusedAtStart(string queue, string more, string reason)
    {
        using var directory = new TempDirectory();
        var layout = new ClusterLayout(directory.Sub("certs"));
        string[] log = more.Length == 0 ? [] : ["--log-cert", layout.RelayLogCertificate, "--log-key", layout.RelayLogKey, .. more.Split(' ')];
        await ControlPlaneProcess.RefusedStartAsync(directory, East, ControlPlaneProcess.FreePort(), ["--queue", queue, .. log], reason);
    }
}
