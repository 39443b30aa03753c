using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// The container health check: each process run with `probe` asks its own listener through grpc.health.v1 over the
/// cluster's TLS (presenting its own certificate, as the ControlPlane requires) and exits 0 only when SERVING.
/// </summary>
public sealed class HealthProbeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Probe_RunningProcesses_ZeroAndStoppedOnes_One()
    {
        await using var cluster = await StartAsync(output);
        var certs = cluster.Certificates;
        var region = cluster[West];
        string[] regionProbe = ["probe", "--urls", region.Endpoint.ToString().Replace("127.0.0.1", "0.0.0.0", StringComparison.Ordinal),
            "--cluster-certs", certs.Root, "--tls-cert", certs.RegionCertificate(West), "--tls-key", certs.RegionKey(West)];
        var controlPlane = cluster.ControlPlane!.Endpoint.ToString();
        string[] controlPlaneProbe = ["probe", "--urls", controlPlane, "--ca-cert", certs.AuthorityCertificate,
            "--tls-cert", certs.ControlPlaneCertificate, "--tls-key", certs.ControlPlaneKey];

        // The node's health service publishes its first status a few seconds after start.
        await Eventually.TrueAsync(async () => (await RunAsync(RepoPaths.RegionNodeDll, regionProbe)).ExitCode == 0, TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => (await RunAsync(RepoPaths.ControlPlaneDll, controlPlaneProbe)).ExitCode == 0, TimeSpan.FromSeconds(30));
        var (_, said) = await RunAsync(RepoPaths.RegionNodeDll, regionProbe);
        Assert.Contains("SERVING", said, StringComparison.Ordinal);

        await cluster.KillRegionAsync(West);
        await cluster.KillControlPlaneAsync();
        Assert.Equal(1, (await RunAsync(RepoPaths.RegionNodeDll, regionProbe)).ExitCode);
        Assert.Equal(1, (await RunAsync(RepoPaths.ControlPlaneDll, controlPlaneProbe)).ExitCode);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string dll, string[] arguments)
    {
        var (exitCode, stdout, stderr) = await MrkCli.RunToolAsync(dll, Path.GetTempPath(), arguments, TimeSpan.FromSeconds(30));
        return (exitCode, stdout + stderr);
    }
}
