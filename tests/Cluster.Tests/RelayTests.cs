using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.Testing.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// The ControlPlane relay between real processes: mutual TLS with cluster certificates, durable queues that survive
/// restarts of either side, and an inbox that rejects forged, replayed and misrouted envelopes.
/// </summary>
public sealed class RelayTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Regions = ["us-east-1", "eu-west-1"];
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private ClusterLayout Certificates => new(_directory.Sub("certs"));

    [Fact]
    public async Task Probe_DeliveredAcrossRegions_AndStatusShowsBothConnected()
    {
        ClusterBootstrap.Run(Certificates, Regions, [], TimeProvider.System);
        var port = ControlPlaneProcess.FreePort();
        await using var controlPlane = await ControlPlaneProcess.StartAsync(_directory.Sub("cp"), Certificates, Regions, port, output);
        await using var east = await StartNodeAsync("us-east-1", controlPlane);
        await using var west = await StartNodeAsync("eu-west-1", controlPlane);

        await Eventually.TrueAsync(async () => (await controlPlane.StatusAsync(Certificates)).Regions.All(r => r.Connected));
        var sent = await east.Relay.SendProbeAsync(new SendProbeRequest { DestinationRegion = "eu-west-1", Text = "hello west" }, deadline: Deadline.Soon);
        await Eventually.TrueAsync(async () => (await ProbesAsync(west)).Any(p => p.MessageId == sent.MessageId));
        var probe = (await ProbesAsync(west)).Single(p => p.MessageId == sent.MessageId);
        Assert.Equal("us-east-1", probe.SourceRegion);
        Assert.Equal("hello west", probe.Text);
        await Eventually.TrueAsync(async () => (await controlPlane.StatusAsync(Certificates)).Regions.All(r => r.QueueDepth == 0));

        var (exitCode, stdout, stderr) = await MrkCli.RunAsync(_directory.Path,
            ["cluster", "status", "--controlplane", controlPlane.Endpoint.ToString(), "--certs", Certificates.Root, "--output", "table"]);
        Assert.True(exitCode == 0, stderr);
        Assert.Contains("Regions[1].Region", stdout, StringComparison.Ordinal);
        Assert.Contains("eu-west-1", stdout, StringComparison.Ordinal);
        Assert.Contains("Connected", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DestinationDown_QueuedDurably_DeliveredWhenBack_EvenAcrossControlPlaneCrash()
    {
        ClusterBootstrap.Run(Certificates, Regions, [], TimeProvider.System);
        var port = ControlPlaneProcess.FreePort();
        // Disposed here as well as below, so that a failure before the crash does not leave the process running.
        await using var controlPlane = await ControlPlaneProcess.StartAsync(_directory.Sub("cp"), Certificates, Regions, port, output);
        await using var east = await StartNodeAsync("us-east-1", controlPlane);
        await Eventually.TrueAsync(async () => (await controlPlane.StatusAsync(Certificates)).Regions.Single(r => r.Region == "us-east-1").Connected);

        // A Region that starts publishes its transport prekeys to every other one: that is queued for West first.
        await Eventually.TrueAsync(async () => (await controlPlane.StatusAsync(Certificates)).Regions.Single(r => r.Region == "eu-west-1").QueueDepth == 1);
        var sent = await east.Relay.SendProbeAsync(new SendProbeRequest { DestinationRegion = "eu-west-1", Text = "while you were away" }, deadline: Deadline.Soon);
        await Eventually.TrueAsync(async () => (await controlPlane.StatusAsync(Certificates)).Regions.Single(r => r.Region == "eu-west-1").QueueDepth == 2);
        var west = (await controlPlane.StatusAsync(Certificates)).Regions.Single(r => r.Region == "eu-west-1");
        Assert.False(west.Connected);

        // SIGKILL with the envelope in flight: it must survive in the relay's store.
        await controlPlane.KillAsync();
        await controlPlane.DisposeAsync();
        await using var restarted = await ControlPlaneProcess.StartAsync(_directory.Sub("cp"), Certificates, Regions, port, output);
        Assert.Equal(2, (await restarted.StatusAsync(Certificates)).Regions.Single(r => r.Region == "eu-west-1").QueueDepth);

        await using var westNode = await StartNodeAsync("eu-west-1", restarted);
        await Eventually.TrueAsync(async () => (await ProbesAsync(westNode)).Any(p => p.MessageId == sent.MessageId), TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await restarted.StatusAsync(Certificates)).Regions.Single(r => r.Region == "eu-west-1").QueueDepth == 0);
        Assert.DoesNotContain("while you were away", restarted.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeWithForeignCertificateOrUnknownRegion_Refused()
    {
        ClusterBootstrap.Run(Certificates, Regions, [], TimeProvider.System);
        var foreign = new ClusterLayout(_directory.Sub("foreign"));
        ClusterBootstrap.Run(foreign, ["eu-west-1", "ap-southeast-2"], [], TimeProvider.System);
        // A foreign CA's Region certificates placed in a folder with our CA: the node's certificate is not ours.
        var mixed = new ClusterLayout(_directory.Sub("mixed"));
        ClusterBootstrap.Run(mixed, ["eu-west-1"], [], TimeProvider.System);
        File.Copy(foreign.RegionCertificate("eu-west-1"), mixed.RegionCertificate("eu-west-1"), overwrite: true);
        File.Copy(foreign.RegionKey("eu-west-1"), mixed.RegionKey("eu-west-1"), overwrite: true);
        File.Copy(Certificates.AuthorityCertificate, mixed.AuthorityCertificate, overwrite: true);
        File.Copy(Certificates.SigningCertificate("eu-west-1"), mixed.SigningCertificate("eu-west-1"), overwrite: true);
        File.Copy(Certificates.SigningKey("eu-west-1"), mixed.SigningKey("eu-west-1"), overwrite: true);
        // A genuine certificate of our CA for a Region this cluster does not have.
        ClusterBootstrap.Run(Certificates, ["ap-southeast-2"], [], TimeProvider.System);

        var port = ControlPlaneProcess.FreePort();
        await using var controlPlane = await ControlPlaneProcess.StartAsync(_directory.Sub("cp"), Certificates, Regions, port, output);
        await using var impostor = await RegionNodeProcess.StartAsync(_directory.Sub("impostor"), output, "eu-west-1",
            extra: ["--controlplane", controlPlane.Endpoint.ToString(), "--cluster-certs", mixed.Root]);
        await using var stranger = await RegionNodeProcess.StartAsync(_directory.Sub("stranger"), output, "ap-southeast-2",
            extra: ["--controlplane", controlPlane.Endpoint.ToString(), "--cluster-certs", Certificates.Root]);
        await stranger.WaitForLogAsync("unreachable", TimeSpan.FromSeconds(20));
        await impostor.WaitForLogAsync("unreachable", TimeSpan.FromSeconds(20));
        await controlPlane.WaitForLogAsync("Region ap-southeast-2 is not in this cluster", TimeSpan.FromSeconds(20));
        var status = await controlPlane.StatusAsync(Certificates);
        Assert.All(status.Regions, r => Assert.False(r.Connected));
        Assert.DoesNotContain(status.Regions, r => r.Region == "ap-southeast-2");
    }

    [Fact]
    public async Task ForgedReplayedAndSpoofedEnvelopes_Rejected()
    {
        ClusterBootstrap.Run(Certificates, Regions, [], TimeProvider.System);
        var port = ControlPlaneProcess.FreePort();
        await using var controlPlane = await ControlPlaneProcess.StartAsync(_directory.Sub("cp"), Certificates, Regions, port, output);
        await using var west = await StartNodeAsync("eu-west-1", controlPlane);
        await Eventually.TrueAsync(async () => (await controlPlane.StatusAsync(Certificates)).Regions.Single(r => r.Region == "eu-west-1").Connected);

        // The test plays us-east-1 with its real certificates, as a compromised or buggy sender would.
        using var signingCertificate = ClusterPki.Load(Certificates.SigningCertificate("us-east-1"), Certificates.SigningKey("us-east-1"));
        using var signingKey = signingCertificate.GetECDsaPrivateKey()!;
        var valid = Envelope(1, "genuine");
        Sign(valid, signingKey);
        var forged = Envelope(2, "forged");
        Sign(forged, signingKey);
        forged.Payload = new Probe { Text = "altered after signing" }.ToByteString();
        var spoofed = Envelope(3, "spoofed");
        spoofed.SourceRegion = "eu-west-1";
        spoofed.DestinationRegion = "eu-west-1";
        Sign(spoofed, signingKey);
        var replay = valid.Clone();

        await SendAsRegionAsync(controlPlane, "us-east-1", [valid, forged, spoofed]);
        await Eventually.TrueAsync(async () => (await ProbesAsync(west)).Any(p => p.Text == "genuine"));

        // The very same envelope again, once the relay has forgotten it: only the inbox's sequence check stops it. (What
        // waits for us-east-1, which runs no node here, is West's transport prekeys.)
        await Eventually.TrueAsync(async () => (await controlPlane.StatusAsync(Certificates)).Regions.Single(r => r.Region == "eu-west-1").QueueDepth == 0);
        await SendAsRegionAsync(controlPlane, "us-east-1", [replay]);
        await west.WaitForLogAsync("already applied");
        await west.WaitForLogAsync("signature does not verify");
        await controlPlane.WaitForLogAsync("is not the sending Region");
        var texts = (await ProbesAsync(west)).Select(p => p.Text).ToList();
        Assert.Equal(["genuine"], texts);
    }

    private static Envelope Envelope(ulong sequence, string text) => new()
    {
        MessageId = Guid.NewGuid().ToString("N"),
        SourceRegion = "us-east-1",
        DestinationRegion = "eu-west-1",
        Sequence = sequence,
        SentAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        Kind = Probe.Descriptor.FullName,
        Payload = new Probe { Text = text }.ToByteString(),
    };

    private static void Sign(Envelope envelope, System.Security.Cryptography.ECDsa key) => RelayAdversary.Sign(envelope, key);

    private async Task SendAsRegionAsync(ControlPlaneProcess controlPlane, string region, IReadOnlyList<Envelope> envelopes)
    {
        using var sender = new RelayAdversary(controlPlane.Endpoint, Certificates, region);
        await sender.SendAsync(envelopes);
    }

    private Task<RegionNodeProcess> StartNodeAsync(string region, ControlPlaneProcess controlPlane) =>
        RegionNodeProcess.StartAsync(_directory.Sub(region), output, region,
            extra: ["--controlplane", controlPlane.Endpoint.ToString(), "--cluster-certs", Certificates.Root]);

    private static async Task<IReadOnlyList<ReceivedProbe>> ProbesAsync(RegionNodeProcess node) =>
        (await node.Relay.ListProbesAsync(new ListProbesRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout()).Probes;
}
