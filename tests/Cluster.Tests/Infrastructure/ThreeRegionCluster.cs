using Grpc.Mrk.Cluster;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// A ControlPlane and three RegionNodes (us-east-1, eu-west-1, ap-southeast-2) as real processes on 127.0.0.1, with
/// cluster certificates, fast anti-entropy, and the ability to kill and restart any of them on the same data. With a
/// replicated relay, three ControlPlane replicas on a three-server NATS JetStream log instead of one ControlPlane.
/// </summary>
public sealed class ThreeRegionCluster : IAsyncDisposable
{
    public const string East = "us-east-1";
    public const string West = "eu-west-1";
    public const string Sydney = "ap-southeast-2";
    public static readonly string[] Regions = [East, West, Sydney];

    private readonly TempDirectory _directory = new();
    private readonly Dictionary<string, RegionNodeProcess?> _nodes = new(StringComparer.Ordinal);
    private readonly ITestOutputHelper? _output;
    private readonly int[] _controlPlanePorts;
    private readonly ControlPlaneProcess?[] _controlPlanes;

    private readonly bool _tls;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly bool _consoleOnLoopback;

    private ThreeRegionCluster(ITestOutputHelper? output, bool tls, IReadOnlyDictionary<string, string>? environment, bool consoleOnLoopback,
        bool replicatedRelay)
    {
        _output = output;
        _tls = tls;
        _environment = environment;
        _consoleOnLoopback = consoleOnLoopback;
        Certificates = new ClusterLayout(_directory.Sub("certs"));
        _controlPlanePorts = [.. Enumerable.Range(0, replicatedRelay ? 3 : 1).Select(_ => ControlPlaneProcess.FreePort())];
        _controlPlanes = new ControlPlaneProcess?[_controlPlanePorts.Length];
    }

    public ClusterLayout Certificates { get; }

    /// <summary>The ControlPlane; with a replicated relay, the first replica that runs (null when none does).</summary>
    public ControlPlaneProcess? ControlPlane => _controlPlanes.FirstOrDefault(c => c is not null);

    /// <summary>With a replicated relay: the replicas by index (null where killed), and the log's servers.</summary>
    public IReadOnlyList<ControlPlaneProcess?> ControlPlaneReplicas => _controlPlanes;

    public IReadOnlyList<RelayLogServer> LogServers { get; private set; } = [];

    /// <summary>Every ControlPlane address, comma-separated, as a Region's --controlplane and the cluster file take it.</summary>
    public string ControlPlaneAddresses => string.Join(",", _controlPlanePorts.Select(p => $"https://127.0.0.1:{p}"));

    public string ConsoleUrl { get; } = $"https://127.0.0.1:{ControlPlaneProcess.FreePort()}/console/";

    public string ControlPlaneDirectory => _directory.Sub("controlplane");

    public string DataDirectory(string region) => _directory.Sub(region);

    public bool IsRunning(string region) => _nodes.GetValueOrDefault(region) is not null;

    public RegionNodeProcess this[string region] => _nodes[region] ?? throw new InvalidOperationException($"{region} is not running");

    public KeyManagementService.KeyManagementServiceClient Kms(string region) => this[region].Kms;

    /// <summary>Starts the cluster; with <paramref name="tls"/> the Regions serve TLS (with their cluster certificates) instead of
    /// plaintext HTTP/2, as the AWS SDKs need. <paramref name="environment"/> is added to every process's. The
    /// ControlPlane's web console listens on <see cref="ConsoleUrl"/>, without a certificate from loopback only with
    /// <paramref name="consoleOnLoopback"/>.</summary>
    public static async Task<ThreeRegionCluster> StartAsync(ITestOutputHelper? output, bool tls = false, IReadOnlyDictionary<string, string>? environment = null,
        bool consoleOnLoopback = false, bool replicatedRelay = false)
    {
        var cluster = new ThreeRegionCluster(output, tls, environment, consoleOnLoopback, replicatedRelay);
        try
        {
            ClusterBootstrap.Run(cluster.Certificates, Regions, [], TimeProvider.System);
            if (replicatedRelay)
            {
                cluster.LogServers = await RelayLogServer.ConfigureAsync(cluster._directory.Sub("relay-log"), cluster.Certificates, 3, output).ConfigureAwait(false);
                foreach (var server in cluster.LogServers)
                {
                    server.Start();
                }
            }

            await cluster.StartControlPlaneAsync().ConfigureAwait(false);
            await Task.WhenAll(Regions.Select(r => cluster.StartRegionAsync(r))).ConfigureAwait(false);
            await cluster.AllConnectedAsync().ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the ControlPlane, or every replica not running.</summary>
    public async Task StartControlPlaneAsync() =>
        await Task.WhenAll(Enumerable.Range(0, _controlPlanes.Length).Where(i => _controlPlanes[i] is null).Select(StartControlPlaneReplicaAsync))
            .ConfigureAwait(false);

    public async Task StartControlPlaneReplicaAsync(int index)
    {
        string[] console = index == 0
            ? ["--console-urls", new Uri(ConsoleUrl).GetLeftPart(UriPartial.Authority), "--insecure-console-loopback", _consoleOnLoopback ? "true" : "false"]
            : [];
        // Each replica lists its own log server first, as scripts/run-local.sh --ha does.
        string[] queue = LogServers.Count == 0
            ? []
            : ["--queue", string.Join(",", LogServers.Skip(index).Concat(LogServers.Take(index)).Select(s => s.Url)), "--log-cert", Certificates.RelayLogCertificate,
                "--log-key", Certificates.RelayLogKey, "--replica-name", $"controlplane-{index}"];
        _controlPlanes[index] = await ControlPlaneProcess.StartAsync(_controlPlanes.Length == 1 ? ControlPlaneDirectory : _directory.Sub($"controlplane-{index}"),
                Certificates, Regions, _controlPlanePorts[index], _output, _environment,
                [.. console, .. queue,
                    // A break-glass promotion waits this long after the old primary was last seen (30 s by default).
                    "--promotion-grace", "2"])
            .ConfigureAwait(false);
    }

    /// <summary>SIGKILL of one ControlPlane replica.</summary>
    public async Task KillControlPlaneReplicaAsync(int index)
    {
        var replica = _controlPlanes[index] ?? throw new InvalidOperationException($"replica {index} is not running");
        await replica.KillAsync().ConfigureAwait(false);
        await replica.DisposeAsync().ConfigureAwait(false);
        _controlPlanes[index] = null;
    }

    /// <summary>The index of the replica whose name the status gives (controlplane-N).</summary>
    public static int ReplicaIndex(string name) => int.Parse(name["controlplane-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Starts <paramref name="region"/> again; <paramref name="environment"/> adds to the cluster's (a moved clock).</summary>
    public async Task StartRegionAsync(string region, IReadOnlyDictionary<string, string>? environment = null) =>
        _nodes[region] = await RegionNodeProcess.StartAsync(DataDirectory(region), _output, region,
            environment is null ? _environment : new Dictionary<string, string>((_environment ?? new Dictionary<string, string>()).Concat(environment)),
            transport: _tls ? ["--urls", "https://127.0.0.1:0", "--tls-cert", Certificates.RegionCertificate(region), "--tls-key", Certificates.RegionKey(region)] : null,
            certificateAuthority: _tls ? Certificates.AuthorityCertificate : null,
            extra: ["--controlplane", ControlPlaneAddresses, "--cluster-certs", Certificates.Root, "--sync-interval", "0.5"])
            .ConfigureAwait(false);

    /// <summary>Writes a cluster file (as scripts/run-local.sh does) so `mrk --region` reaches these processes; returns its path.</summary>
    public string WriteClusterFile()
    {
        var path = _directory.Sub("cluster.json");
        var regions = string.Join(", ", Regions.Select(r => $"\"{r}\": \"{this[r].Endpoint}\""));
        File.WriteAllText(path, $$$"""
            {"controlPlane": "{{{ControlPlaneAddresses}}}", "certificates": "{{{Certificates.Root}}}", "regions": { {{{regions}}} } }
            """);
        return path;
    }

    /// <summary>SIGKILL of one Region's process; its data stays for a restart.</summary>
    public async Task KillRegionAsync(string region)
    {
        var node = this[region];
        await node.KillAsync().ConfigureAwait(false);
        await node.DisposeAsync().ConfigureAwait(false);
        _nodes[region] = null;
    }

    public async Task KillControlPlaneAsync()
    {
        for (var i = 0; i < _controlPlanes.Length; i++)
        {
            if (_controlPlanes[i] is not null)
            {
                await KillControlPlaneReplicaAsync(i).ConfigureAwait(false);
            }
        }
    }

    public async Task AllConnectedAsync() =>
        await Eventually.TrueAsync(async () => (await ControlPlane!.StatusAsync(Certificates).ConfigureAwait(false)).Regions.All(r => r.Connected),
            TimeSpan.FromSeconds(30)).ConfigureAwait(false);

    /// <summary>
    /// Waits until the relay has nothing in flight for <paramref name="regions"/> (all Regions when none are named):
    /// their queues empty on four looks in a row, 200 ms apart, so over more than one sync interval (0.5 s here). A quiet point: whatever the
    /// Regions were going to send each other has arrived.
    /// </summary>
    public async Task QuiescentAsync(params string[] regions)
    {
        var calm = 0;
        await Eventually.TrueAsync(async () =>
        {
            var status = await ControlPlane!.StatusAsync(Certificates).ConfigureAwait(false);
            calm = status.Regions.Where(r => regions.Length == 0 || regions.Contains(r.Region)).All(r => r.QueueDepth == 0) ? calm + 1 : 0;
            if (calm < 4)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }

            return calm >= 4;
        }, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    public async Task<KeyMetadata> DescribeAsync(string region, string keyId) =>
        (await Kms(region).DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()
            .ConfigureAwait(false)).KeyMetadata;

    /// <summary>Waits until the key in <paramref name="region"/> satisfies <paramref name="condition"/>.</summary>
    public async Task<KeyMetadata> UntilAsync(string region, string keyId, Func<KeyMetadata, bool> condition, TimeSpan? within = null)
    {
        KeyMetadata? last = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                last = await DescribeAsync(region, keyId).ConfigureAwait(false);
                return condition(last);
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound)
            {
                return false;
            }
        }, within ?? TimeSpan.FromSeconds(40)).ConfigureAwait(false);
        return last!;
    }

    public async Task<Google.Protobuf.ByteString> EncryptAsync(string region, string keyId, string text) =>
        (await Kms(region).EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = Google.Protobuf.ByteString.CopyFromUtf8(text) },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout().ConfigureAwait(false)).CiphertextBlob;

    public async Task<DecryptResponse> DecryptAsync(string region, Google.Protobuf.ByteString ciphertext) =>
        await Kms(region).DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()
            .ConfigureAwait(false);

    public async Task<string> DecryptTextAsync(string region, Google.Protobuf.ByteString ciphertext) =>
        (await DecryptAsync(region, ciphertext).ConfigureAwait(false)).Plaintext.ToStringUtf8();

    /// <summary>ReplicateKey from <paramref name="primary"/> into each target, then waits until every replica is Enabled and the primary knows it.</summary>
    public async Task ReplicateAsync(string primary, string keyId, params string[] targets)
    {
        foreach (var target in targets)
        {
            var response = await Kms(primary).ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = target },
                deadline: Deadline.Soon).ResponseAsync.WithTimeout().ConfigureAwait(false);
            Assert.Equal(V1.KeyState.Creating, response.ReplicaKeyMetadata.KeyState);
        }

        foreach (var target in targets)
        {
            await UntilAsync(target, keyId, m => m.KeyState == V1.KeyState.Enabled).ConfigureAwait(false);
        }

        // A replica is Enabled one hop before its primary hears so (its acknowledgement ends the pending creation that
        // UpdatePrimaryRegion refuses): the relay going quiet for them means the acknowledgements have arrived.
        await QuiescentAsync([primary, .. targets]).ConfigureAwait(false);
    }

    /// <summary>RotateKeyOnDemand at <paramref name="primary"/>, then waits until the new version is current in each of <paramref name="regions"/> and the relay is quiet.</summary>
    public async Task RotateEverywhereAsync(string primary, string keyId, IReadOnlyList<string> regions, TimeSpan? within = null)
    {
        var before = (await DescribeAsync(primary, keyId).ConfigureAwait(false)).CurrentKeyMaterialId;
        await Kms(primary).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()
            .ConfigureAwait(false);
        foreach (var region in regions)
        {
            await UntilAsync(region, keyId, m => m.CurrentKeyMaterialId != before, within).ConfigureAwait(false);
        }

        await QuiescentAsync([.. regions]).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values.Where(n => n is not null))
        {
            await node!.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var controlPlane in _controlPlanes.Where(c => c is not null))
        {
            await controlPlane!.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var server in LogServers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _directory.Dispose();
    }
}
