using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Chaos.Clocks;
using Grpc.Mrk.Chaos.Disks;
using Grpc.Mrk.Chaos.Network;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Net.Client;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// A ControlPlane and three RegionNodes as real processes, on 127.0.0.1 or each in a network namespace of its own
/// (<see cref="NamespaceNetwork"/>), each Region reaching the ControlPlane through its own <see cref="FaultProxy"/>,
/// all data under one folder. Any process can be killed, paused and restarted on the same data and ports; any Region's
/// link can be cut, silenced or slowed by its proxy, and in namespaces also cut by iptables. With a replicated relay
/// (loopback only) three ControlPlane replicas share a three-server NATS JetStream log: each Region reaches every
/// replica through a proxy of its own, and each log server reaches the others through proxies too, so one can be cut
/// off from its peers.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    public static readonly string[] Regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(60);

    private readonly Dictionary<string, NodeProcess> _regions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FaultProxy[]> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<(int From, int To), FaultProxy> _routes = [];
    private readonly Dictionary<string, MrkClient> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Uri> _endpoints = new(StringComparer.Ordinal);
    private readonly X509Certificate2 _workloadIdentity;
    private readonly X509Certificate2 _operatorIdentity;
    private readonly Dictionary<string, MrkClient> _operatorClients = new(StringComparer.Ordinal);

    private ChaosCluster(string folder, NamespaceNetwork? network, bool replicatedRelay, RegionClocks? clocks, RegionDisks? disks, RegionFaultFs? faultFs)
    {
        if (replicatedRelay && network is not null)
        {
            throw new InvalidOperationException("a replicated relay runs on loopback only (--network loopback).");
        }

        Folder = folder;
        Network = network;
        Clocks = clocks;
        Disks = disks;
        FaultFs = faultFs;
        TimeProvider issued = clocks is null ? TimeProvider.System : new IssuedEarlier(RegionClocks.CertificatesIssuedBefore);
        Layout = new ClusterLayout(Path.Combine(folder, "certs"));
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        // In namespaces each process has an address of its own, which only its own certificate names; a Region reaches the
        // ControlPlane through a proxy at the harness's end of its link, so the ControlPlane's certificate names those too.
        ClusterBootstrap.Run(Layout, [.. Regions, Adversary], network is null
            ? []
            : [.. Regions.Select(r => $"{r}={network.Inside(r)}"), $"{ClusterBootstrap.ControlPlaneName}={network.Inside(ControlPlaneMember)}",
                .. Regions.Select(r => $"{ClusterBootstrap.ControlPlaneName}={network.Host(r)}")],
            issued);

        // The workload authenticates as a role with a certificate from the cluster CA, as a service in production would;
        // anonymous calls (the fuzzer's) are accepted only on loopback, where the nodes allow them.
        var (clientCertificate, clientKey, _) = ClusterBootstrap.IssueClient(Layout, ClusterRole.Role, WorkloadRole, issued);
        _workloadIdentity = ClusterPki.Load(clientCertificate, clientKey);
        _operatorIdentity = ClusterPki.Load(Layout.OperatorCertificate, Layout.OperatorKey);

        // In namespaces every process has an address and all ports to itself; on loopback each takes a free port.
        IPEndPoint Listen(string member) => network is null ? new IPEndPoint(IPAddress.Loopback, LoopbackPorts.Take()) : new IPEndPoint(network.Inside(member), 7000);
        var controlPlanes = Enumerable.Range(0, replicatedRelay ? 3 : 1).Select(_ => Listen(ControlPlaneMember)).ToList();
        ControlPlaneEndpoints = [.. controlPlanes.Select(Https)];
        string[][] queues = replicatedRelay ? StartingLog(folder) : [[]];
        ControlPlanes = [.. controlPlanes.Select((listen, i) =>
        {
            var data = replicatedRelay ? $"{ControlPlaneData}-{i}" : ControlPlaneData;
            Directory.CreateDirectory(data);
            return new NodeProcess(replicatedRelay ? $"controlplane-{i}" : "controlplane", ProductBinaries.ControlPlane,
            [
                "--data-dir", data, "--regions", string.Join(",", [.. Regions, Adversary]), "--ca-cert", Layout.AuthorityCertificate,
                "--tls-cert", Layout.ControlPlaneCertificate, "--tls-key", Layout.ControlPlaneKey, "--urls", Https(listen).ToString().TrimEnd('/'),

                // rebuild-region promotes replicas of the sets the lost Region led once it has been gone this long.
                "--promotion-grace", "1",
                .. queues[i],
            ], Path.Combine(folder, "logs", replicatedRelay ? $"controlplane-{i}.log" : "controlplane.log"), network?.Namespace(ControlPlaneMember));
        })];

        foreach (var region in Regions)
        {
            var links = controlPlanes.Select(c => new FaultProxy(network?.Host(region) ?? IPAddress.Loopback, c)).ToArray();
            _links[region] = links;
            var endpoint = Https(Listen(region));
            _endpoints[region] = endpoint;
            Directory.CreateDirectory(DataDirectory(region));
            _regions[region] = new NodeProcess(region, ProductBinaries.RegionNode,
            [
                "--region", region, "--data-dir", DataDirectory(region), "--urls", endpoint.ToString().TrimEnd('/'),
                "--tls-cert", Layout.RegionCertificate(region), "--tls-key", Layout.RegionKey(region),
                "--controlplane", string.Join(",", links.Select(l => Https(l.Endpoint).ToString().TrimEnd('/'))), "--cluster-certs", Layout.Root, "--sync-interval", "0.5",
                "--insecure-allow-anonymous", network is null ? "true" : "false",

                // The workload measures what faults do to replication; a burst of it over CreateKey's 5 a second would
                // measure the quota instead (the quotas have tests of their own).
                "--request-quotas", "false",

                // With movable clocks, what a jump makes due is carried out within a second of it.
                .. clocks is null ? Array.Empty<string>() : ["--maintenance-interval", "1"],
            ], Path.Combine(folder, "logs", $"{region}.log"), network?.Namespace(region), environment: clocks?.Environment(region));
            _clients[region] = new MrkClient(endpoint, new MrkClientOptions
            {
                MaxRetries = 0, Timeout = TimeSpan.FromSeconds(10), CertificateAuthorityFile = Layout.AuthorityCertificate, Region = region,
                ClientCertificate = _workloadIdentity,
            });
            _operatorClients[region] = new MrkClient(endpoint, new MrkClientOptions
            {
                MaxRetries = 0, Timeout = TimeSpan.FromSeconds(10), CertificateAuthorityFile = Layout.AuthorityCertificate, Region = region,
                ClientCertificate = _operatorIdentity,
            });
        }
    }

    private const string ControlPlaneMember = "controlplane";

    /// <summary>
    /// A Region of the cluster that runs no node: its certificates and replication signing key are the fuzzer's, who
    /// plays a compromised Region with them (<see cref="Fuzz.AdversaryRun"/>). Left out of <see cref="StatusAsync"/>.
    /// </summary>
    public const string Adversary = "sa-east-1";
    private const string WorkloadRole = "chaos-workload";

    public string Folder { get; }

    /// <summary>The Regions' movable wall clocks, or null when they read the machine's.</summary>
    public RegionClocks? Clocks { get; }

    /// <summary>The Regions' filesystems of their own, or null when their data directories are plain folders of the run's.</summary>
    public RegionDisks? Disks { get; }

    /// <summary>faultfs below the Regions' data directories (slow fsync, power cuts), or null.</summary>
    public RegionFaultFs? FaultFs { get; }

    /// <summary>The namespaces the processes run in, or null when they all share the harness's loopback.</summary>
    public NamespaceNetwork? Network { get; }

    public ClusterLayout Layout { get; }

    /// <summary>The (first) ControlPlane's relay address: where the fuzzer and the adversary connect.</summary>
    public Uri ControlPlaneEndpoint => ControlPlaneEndpoints[0];

    public IReadOnlyList<Uri> ControlPlaneEndpoints { get; }

    public string ControlPlaneData => Path.Combine(Folder, "controlplane");

    /// <summary>The ControlPlane, or its replicas with a replicated relay.</summary>
    public IReadOnlyList<NodeProcess> ControlPlanes { get; }

    /// <summary>The relay log's servers (none with a single ControlPlane).</summary>
    public IReadOnlyList<NodeProcess> LogServers { get; private set; } = [];

    public bool ReplicatedRelay => LogServers.Count > 0;

    public string DataDirectory(string region) => FaultFs?.DataDirectory(region) ?? Disks?.DataDirectory(region) ?? Path.Combine(Folder, region);

    /// <summary>Where a Region's data lives below faultfs: on its own filesystem when it has one.</summary>
    public static string Backing(string folder, RegionDisks? disks, string region) => disks?.DataDirectory(region) ?? Path.Combine(folder, "backing", region);

    public NodeProcess Region(string region) => _regions[region];

    /// <summary>Sets every link of <paramref name="region"/> to the ControlPlane (one per replica) to <paramref name="mode"/>.</summary>
    public void SetLink(string region, LinkMode mode, TimeSpan delay = default)
    {
        foreach (var link in _links[region])
        {
            link.Set(mode, delay);
        }
    }

    /// <summary>Cuts log server <paramref name="server"/> off from the other servers (both directions), or joins it again.</summary>
    public void SetRoutes(int server, LinkMode mode)
    {
        foreach (var ((from, to), route) in _routes)
        {
            if (from == server || to == server)
            {
                route.Set(mode);
            }
        }
    }

    /// <summary>
    /// Configures the relay log's three servers (started with the cluster): each reaches the others through a proxy per
    /// direction and tells them an address nobody listens on, so no route bypasses the proxies. Returns each replica's
    /// --queue arguments, its own server first.
    /// </summary>
    private string[][] StartingLog(string folder)
    {
        var clientPorts = Enumerable.Range(0, 3).Select(_ => LoopbackPorts.Take()).ToArray();
        var routePorts = Enumerable.Range(0, 3).Select(_ => LoopbackPorts.Take()).ToArray();
        for (var from = 0; from < 3; from++)
        {
            for (var to = 0; to < 3; to++)
            {
                if (from != to)
                {
                    _routes[(from, to)] = new FaultProxy(new IPEndPoint(IPAddress.Loopback, routePorts[to]));
                }
            }
        }

        var servers = new List<NodeProcess>();
        for (var i = 0; i < 3; i++)
        {
            var store = Path.Combine(folder, "relay-log", $"n{i}");
            Directory.CreateDirectory(store);
            var configuration = Path.Combine(folder, "relay-log", $"n{i}.conf");
            var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[]
                     {
                         ProductBinaries.RelayLogConfiguration, $"n{i}", $"127.0.0.1:{clientPorts[i]}", $"127.0.0.1:{routePorts[i]}", store, Layout.Root,
                     }.Concat(Enumerable.Range(0, 3).Where(j => j != i).Select(j => _routes[(i, j)].Endpoint.ToString())))
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["RELAY_LOG_ADVERTISE"] = $"127.0.0.1:{LoopbackPorts.Take()}";
            using (var script = System.Diagnostics.Process.Start(start)!)
            {
                File.WriteAllText(configuration, script.StandardOutput.ReadToEnd());
                script.WaitForExit();
                if (script.ExitCode != 0)
                {
                    throw new InvalidOperationException($"{ProductBinaries.RelayLogConfiguration} failed with exit code {script.ExitCode}.");
                }
            }

            servers.Add(new NodeProcess($"relay-log-n{i}", "nats-server", ["-c", configuration], Path.Combine(folder, "logs", $"relay-log-n{i}.log"),
                native: true));
        }

        LogServers = servers;
        return [.. Enumerable.Range(0, 3).Select(i => new[]
        {
            "--queue", string.Join(",", Enumerable.Range(0, 3).Select(k => $"nats://127.0.0.1:{clientPorts[(i + k) % 3]}")),
            "--log-cert", Layout.RelayLogCertificate, "--log-key", Layout.RelayLogKey, "--replica-name", $"controlplane-{i}",
        })];
    }

    public MrkClient Client(string region) => _clients[region];

    /// <summary>A client with the operator's certificate: manages principals and reads the audit log.</summary>
    public MrkClient OperatorClient(string region) => _operatorClients[region];

    /// <summary>A client of its own with the operator's identity and a longer wait, for a call that reads a whole log; the caller disposes it.</summary>
    public MrkClient PatientOperatorClient(string region, TimeSpan timeout) => new(_endpoints[region], new MrkClientOptions
    {
        MaxRetries = 0, Timeout = timeout, CertificateAuthorityFile = Layout.AuthorityCertificate, Region = region, ClientCertificate = _operatorIdentity,
    });

    public Uri Endpoint(string region) => _endpoints[region];

    public static async Task<ChaosCluster> StartAsync(string folder, CancellationToken cancellationToken) =>
        await StartAsync(folder, ChaosNetwork.Loopback, cancellationToken).ConfigureAwait(false);

    public static async Task<ChaosCluster> StartAsync(string folder, ChaosNetwork network, CancellationToken cancellationToken, bool replicatedRelay = false,
        RegionClocks? clocks = null, RegionDisks? disks = null, RegionFaultFs? faultFs = null)
    {
        var namespaces = network == ChaosNetwork.Namespaces
            ? await NamespaceNetwork.CreateAsync([ControlPlaneMember, .. Regions]).ConfigureAwait(false)
            : null;
        ChaosCluster cluster;
        try
        {
            cluster = new ChaosCluster(folder, namespaces, replicatedRelay, clocks, disks, faultFs);
        }
        catch
        {
            if (namespaces is not null)
            {
                await namespaces.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        try
        {
            foreach (var server in cluster.LogServers)
            {
                server.Start();
            }

            foreach (var controlPlane in cluster.ControlPlanes)
            {
                controlPlane.Start();
            }

            foreach (var region in Regions)
            {
                cluster.Region(region).Start();
            }

            await Task.WhenAll(Regions.Select(r => cluster.WaitReadyAsync(r, cancellationToken))).ConfigureAwait(false);
            await Task.WhenAll(Regions.Select(r => cluster.AddWorkloadPrincipalAsync(r, cancellationToken))).ConfigureAwait(false);
            await cluster.WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The workload's certificate names the role chaos-workload; a Region admits it only while its store holds that
    /// principal, so the operator creates it in each Region (the store keeps it across restarts; a Region rebuilt after
    /// losing its store needs it again, before the key policies that name it are bound there).
    /// </summary>
    public async Task AddWorkloadPrincipalAsync(string region, CancellationToken cancellationToken)
    {
        try
        {
            await OperatorClient(region).InvokeAsync(Grpc.Mrk.Admin.V1.PrincipalAdmin.Descriptor.FindMethodByName("CreatePrincipal"),
                new Grpc.Mrk.Admin.V1.CreatePrincipalRequest { Name = WorkloadRole, Type = "role" }, cancellationToken).ConfigureAwait(false);
        }
        catch (MrkException e) when (e.ErrorCode == "AlreadyExistsException")
        {
            // Created by an earlier start of this cluster.
        }
    }

    /// <summary>Waits until the Region's health check answers SERVING; fails if its process exits first.</summary>
    public async Task WaitReadyAsync(string region, CancellationToken cancellationToken)
    {
        var node = Region(region);
        var deadline = DateTime.UtcNow + ReadyWithin;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (!node.Running)
            {
                throw new InvalidOperationException($"{region} exited during start-up; its log ends:\n{node.LogTail(15)}");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                last = await Client(region).CheckHealthAsync(attempt.Token).ConfigureAwait(false);
                if (last == "SERVING")
                {
                    return;
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or MrkException or HttpRequestException or OperationCanceledException
                                          && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
                last = $"{e.GetType().Name}: {e.Message}";
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{region} did not become ready within {ReadyWithin.TotalSeconds} s (its health check last answered: {last}); "
                                   + $"see {node.LogFile}.");
    }

    /// <summary>The ControlPlane's view of each Region: connected or not, and how many envelopes wait for it.</summary>
    public async Task<GetClusterStatusResponse> StatusAsync(CancellationToken cancellationToken)
    {
        using var certificate = ClusterPki.Load(Layout.OperatorCertificate, Layout.OperatorKey);
        Grpc.Core.RpcException? last = null;
        foreach (var endpoint in ControlPlaneEndpoints)
        {
            using var handler = ClusterHandlers.Create(certificate, ClusterHandlers.ControlPlane(CertificateFiles.LoadCertificate(Layout.AuthorityCertificate)));
            using var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler });
            try
            {
                var status = await new ClusterAdmin.ClusterAdminClient(channel)
                    .GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: cancellationToken)
                    .ResponseAsync.ConfigureAwait(false);

                // The adversary's Region never connects, and what waits for it is no Region's backlog.
                var real = new GetClusterStatusResponse { RelayLog = status.RelayLog };
                real.Regions.Add(status.Regions.Where(r => r.Region != Adversary));
                real.ControlPlanes.Add(status.ControlPlanes);
                return real;
            }
            catch (Grpc.Core.RpcException e)
            {
                // With replicas, any one that answers will do.
                last = e;
            }
        }

        throw last!;
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

    /// <summary>
    /// Cuts a Region off from its link to the ControlPlane with iptables inside the Region's namespace: packets dropped
    /// (silent) or rejected with a TCP reset. Only in namespaces; the proxy's own modes work everywhere.
    /// </summary>
    public Task CutAsync(string region, bool reset) =>
        (Network ?? throw new InvalidOperationException("iptables partitions need the cluster in network namespaces."))
        .CutAsync(region, _links[region][0].Endpoint.Address, _links[region][0].Endpoint.Port, reset);

    public Task RestoreAsync(string region) => Network?.HealAsync(region) ?? Task.CompletedTask;

    /// <summary>Ends every fault: clocks true, links open, paused processes resumed, stopped processes started again.</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        if (Clocks is not null)
        {
            await Clocks.ResetAsync().ConfigureAwait(false);
        }

        Disks?.FreeAll();
        if (FaultFs is not null)
        {
            await FaultFs.HealAsync().ConfigureAwait(false);
        }

        foreach (var region in _links.Keys)
        {
            SetLink(region, LinkMode.Open);
            await RestoreAsync(region).ConfigureAwait(false);
        }

        foreach (var route in _routes.Values)
        {
            route.Set(LinkMode.Open);
        }

        foreach (var process in LogServers.Concat(ControlPlanes))
        {
            await process.ResumeAsync().ConfigureAwait(false);
            if (!process.Running)
            {
                process.Start();
            }
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

    private static Uri Https(IPEndPoint endpoint) => new($"https://{endpoint}");

    /// <summary>The time certificates are issued at when clocks move: <see cref="RegionClocks.CertificatesIssuedBefore"/> ago.</summary>
    private sealed class IssuedEarlier(TimeSpan before) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() - before;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values.Concat(_operatorClients.Values))
        {
            client.Dispose();
        }

        foreach (var node in _regions.Values)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var process in ControlPlanes.Concat(LogServers))
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var link in _links.Values.SelectMany(l => l).Concat(_routes.Values))
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }

        if (Network is not null)
        {
            await Network.DisposeAsync().ConfigureAwait(false);
        }

        if (FaultFs is not null)
        {
            await FaultFs.DisposeAsync().ConfigureAwait(false);
        }

        if (Disks is not null)
        {
            await Disks.DisposeAsync().ConfigureAwait(false);
        }

        _workloadIdentity.Dispose();
        _operatorIdentity.Dispose();
    }
}
