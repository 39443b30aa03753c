using System.Net;
using System.Net.Sockets;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Net.Client;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// A ControlPlane and three RegionNodes as real processes on 127.0.0.1, each Region reaching the ControlPlane through
/// its own <see cref="FaultProxy"/>, all data under one folder. Any process can be killed, paused and restarted on the
/// same data and ports; any Region's link can be cut, silenced or slowed.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    public static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, NodeProcess> _regions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FaultProxy> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MrkClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Uri> _endpoints = new(StringComparer.Ordinal);

    private ChaosCluster(string folder)
    {
        Folder = folder;
        Layout = new ClusterLayout(Path.Combine(folder, "certs"));
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        ClusterBootstrap.Run(Layout, Regions, [], TimeProvider.System);
        var controlPlanePort = FreePort();
        ControlPlaneEndpoint = new Uri($"https://127.0.0.1:{controlPlanePort}");
        Directory.CreateDirectory(ControlPlaneData);
        ControlPlane = new NodeProcess("controlplane", ProductBinaries.ControlPlane,
        [
            "--data-dir", ControlPlaneData, "--regions", string.Join(",", Regions), "--ca-cert", Layout.AuthorityCertificate,
            "--tls-cert", Layout.ControlPlaneCertificate, "--tls-key", Layout.ControlPlaneKey, "--urls", ControlPlaneEndpoint.ToString().TrimEnd('/'),
        ], Path.Combine(folder, "logs", "controlplane.log"));

        foreach (var region in Regions)
        {
            var link = new FaultProxy(new IPEndPoint(IPAddress.Loopback, controlPlanePort));
            _links[region] = link;
            var endpoint = new Uri($"https://127.0.0.1:{FreePort()}");
            _endpoints[region] = endpoint;
            Directory.CreateDirectory(DataDirectory(region));
            _regions[region] = new NodeProcess(region, ProductBinaries.RegionNode,
            [
                "--region", region, "--data-dir", DataDirectory(region), "--urls", endpoint.ToString().TrimEnd('/'),
                "--tls-cert", Layout.RegionCertificate(region), "--tls-key", Layout.RegionKey(region),
                "--controlplane", $"https://127.0.0.1:{link.Port}", "--cluster-certs", Layout.Root, "--sync-interval", "0.5",
                "--insecure-allow-anonymous", "true",
            ], Path.Combine(folder, "logs", $"{region}.log"));
            _clients[region] = new MrkClient(endpoint, new MrkClientOptions
            {
                MaxRetries = 0, Timeout = TimeSpan.FromSeconds(10), CertificateAuthorityFile = Layout.AuthorityCertificate,
            });
        }
    }

    public string Folder { get; }

    public ClusterLayout Layout { get; }

    public Uri ControlPlaneEndpoint { get; }

    public string ControlPlaneData => Path.Combine(Folder, "controlplane");

    public NodeProcess ControlPlane { get; }

    public string DataDirectory(string region) => Path.Combine(Folder, region);

    public NodeProcess Region(string region) => _regions[region];

    public FaultProxy Link(string region) => _links[region];

    public MrkClient Client(string region) => _clients[region];

    public Uri Endpoint(string region) => _endpoints[region];

    public static async Task<ChaosCluster> StartAsync(string folder, CancellationToken cancellationToken)
    {
        var cluster = new ChaosCluster(folder);
        try
        {
            cluster.ControlPlane.Start();
            foreach (var region in Regions)
            {
                cluster.Region(region).Start();
            }

            await Task.WhenAll(Regions.Select(r => cluster.WaitReadyAsync(r, cancellationToken))).ConfigureAwait(false);
            await cluster.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until the Region's health check answers SERVING; fails if its process exits first.</summary>
    public async Task WaitReadyAsync(string region, CancellationToken cancellationToken)
    {
        var node = Region(region);
        var deadline = DateTime.UtcNow + ReadyWithin;
        while (DateTime.UtcNow < deadline)
        {
            if (!node.Running)
            {
                throw new InvalidOperationException($"{region} exited during start-up; see {node.LogFile}.");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                if (await Client(region).CheckHealthAsync(attempt.Token).ConfigureAwait(false) == "SERVING")
                {
                    return;
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or MrkException or HttpRequestException or OperationCanceledException
                                          && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{region} did not become ready within {ReadyWithin.TotalSeconds} s; see {node.LogFile}.");
    }

    /// <summary>The ControlPlane's view of each Region: connected or not, and how many envelopes wait for it.</summary>
    public async Task<GetClusterStatusResponse> StatusAsync(CancellationToken cancellationToken)
    {
        using var certificate = ClusterPki.Load(Layout.OperatorCertificate, Layout.OperatorKey);
        using var handler = ClusterHandlers.Create(certificate, ClusterHandlers.IssuedBy(ClusterPki.LoadCertificate(Layout.AuthorityCertificate)));
        using var channel = GrpcChannel.ForAddress(ControlPlaneEndpoint, new GrpcChannelOptions { HttpHandler = handler });
        return await new ClusterAdmin.ClusterAdminClient(channel)
            .GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken)
            .ResponseAsync.ConfigureAwait(false);
    }

    public async Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ReadyWithin;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await StatusAsync(cancellationToken).ConfigureAwait(false)).Regions.All(r => r.Connected))
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException)
            {
                // The ControlPlane is still starting.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException("Not every Region connected to the ControlPlane within 60 s.");
    }

    /// <summary>Ends every fault: links open, paused processes resumed, stopped processes started again.</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        foreach (var link in _links.Values)
        {
            link.Set(LinkMode.Open);
        }

        await ControlPlane.ResumeAsync().ConfigureAwait(false);
        if (!ControlPlane.Running)
        {
            ControlPlane.Start();
        }

        foreach (var region in Regions)
        {
            await Region(region).ResumeAsync().ConfigureAwait(false);
            if (!Region(region).Running)
            {
                Region(region).Start();
            }
        }

        await Task.WhenAll(Regions.Select(r => WaitReadyAsync(r, cancellationToken))).ConfigureAwait(false);
        await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        foreach (var node in _regions.Values)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        await ControlPlane.DisposeAsync().ConfigureAwait(false);
        foreach (var link in _links.Values)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }
}
