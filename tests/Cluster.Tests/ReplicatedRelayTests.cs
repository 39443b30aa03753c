using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// No single ControlPlane: three replicas on a three-server NATS JetStream log, and three Regions that each list all
/// three replicas. Losing a replica and a log server together loses nothing the relay acknowledged.
/// </summary>
public sealed class ReplicatedRelayTests(ITestOutputHelper output)
{
    private const int Keys = 12;
    private const int RotationsPerKey = 2;

    /// <summary>
    /// A burst of ReplicateKey and rotations from us-east-1; a third of the way in, SIGKILL of the ControlPlane replica
    /// us-east-1 streams through and of that replica's own log server. us-east-1 moves to another replica within
    /// seconds; every replica ends with its key, every rotation exactly once (a rotation applied twice would show as a
    /// third version), ciphertexts from the primary decrypt everywhere, nothing is dead-lettered, and the log's files
    /// hold no key material.
    /// </summary>
    [Fact]
    public async Task ReplicaAndItsLogServerKilledMidBurst_RegionMovesOn_NothingLostOrAppliedTwice()
    {
        await using var cluster = await StartAsync(output, replicatedRelay: true);
        var status = await StatusAsync(cluster);
        Assert.Equal(["controlplane-0", "controlplane-1", "controlplane-2"], status.ControlPlanes.Select(c => c.Name).Order());
        Assert.All(status.ControlPlanes, c => Assert.True(c.Alive));
        Assert.Equal("nats", status.RelayLog.Kind);
        Assert.True(status.RelayLog.Healthy, status.RelayLog.Problem);
        Assert.Equal(3, status.RelayLog.Peers.Count);
        Assert.Single(status.RelayLog.Peers, p => p.Leader);
        var via = ReplicaIndex(status.Regions.Single(r => r.Region == East).ControlPlane);
        Assert.Contains(East, status.ControlPlanes.Single(c => c.Name == $"controlplane-{via}").Regions);

        // The console (on replica 0) shows every replica, the log, and what every Region reports, whichever replica
        // holds its stream.
        using var console = ConsoleClient(cluster);
        await Eventually.TrueAsync(async () =>
        {
            using var keys = JsonDocument.Parse(await console.GetStringAsync(new Uri(new Uri(cluster.ConsoleUrl), "api/keys")).WithTimeout());
            return keys.RootElement.GetProperty("reports").EnumerateArray().Select(r => r.GetProperty("region").GetString()).Order().SequenceEqual(Regions.Order());
        }, TimeSpan.FromSeconds(60), "the console's census from all three Regions");
        using (var relay = JsonDocument.Parse(await console.GetStringAsync(new Uri(new Uri(cluster.ConsoleUrl), "api/relay")).WithTimeout()))
        {
            Assert.Equal("nats", relay.RootElement.GetProperty("log").GetProperty("kind").GetString());
            Assert.Equal(3, relay.RootElement.GetProperty("replicas").GetArrayLength());
            Assert.Equal(3, relay.RootElement.GetProperty("log").GetProperty("peers").GetArrayLength());
        }

        var ids = new List<string>();
        for (var i = 0; i < Keys; i++)
        {
            ids.Add((await cluster.Kms(East).CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, deadline: Deadline.Soon).ResponseAsync.WithTimeout())
                .KeyMetadata.KeyId);
        }

        var finished = 0;
        var burst = Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (id, token) =>
        {
            foreach (var target in new[] { West, Sydney })
            {
                await cluster.Kms(East).ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = id, ReplicaRegion = target }, deadline: Deadline.Soon,
                    cancellationToken: token)
                    .ResponseAsync.WithTimeout();
            }

            // A rotation completes when every replica has its material (ConflictException, ABORTED, until then): the next one
            // waits for the relay to carry the last.
            for (var r = 0; r < RotationsPerKey; r++)
            {
                var deadline = DateTime.UtcNow.AddSeconds(90);
                while (true)
                {
                    try
                    {
                        await cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = id }, deadline: Deadline.Soon, cancellationToken: token)
                            .ResponseAsync.WithTimeout();
                        break;
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Aborted && DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(200, token);
                    }
                }
            }

            Interlocked.Increment(ref finished);
        });
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref finished) >= Keys / 3), TimeSpan.FromSeconds(60), "a third of the burst");
        var killed = Stopwatch.StartNew();
        await Task.WhenAll(cluster.KillControlPlaneReplicaAsync(via), cluster.LogServers[via].KillAsync());
        await burst.WithTimeout(TimeSpan.FromMinutes(2));

        // East streams through another replica within seconds.
        await Eventually.TrueAsync(async () => (await StatusAsync(cluster)).Regions.Single(r => r.Region == East) is { Connected: true } east
            && east.ControlPlane != $"controlplane-{via}", TimeSpan.FromSeconds(30), "us-east-1 on another ControlPlane replica");
        output.WriteLine($"us-east-1 streamed through another replica {killed.Elapsed.TotalSeconds:0.0} s after the kill");
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(20), $"moving on took {killed.Elapsed}");

        foreach (var id in ids)
        {
            foreach (var region in new[] { West, Sydney })
            {
                await cluster.UntilAsync(region, id, m => m.KeyState == KeyState.Enabled, TimeSpan.FromSeconds(60));
                await Eventually.TrueAsync(async () => (await RotationsAsync(cluster, region, id)) >= RotationsPerKey, TimeSpan.FromSeconds(60),
                    $"both rotations of {id} in {region}");
            }
        }

        await cluster.QuiescentAsync();
        foreach (var id in ids)
        {
            var ciphertext = await cluster.EncryptAsync(East, id, $"after the kill {id}");
            foreach (var region in Regions)
            {
                Assert.Equal(RotationsPerKey, await RotationsAsync(cluster, region, id));
                Assert.Equal($"after the kill {id}", await cluster.DecryptTextAsync(region, ciphertext));
            }
        }

        var after = await StatusAsync(cluster);
        Assert.All(after.Regions, r => Assert.Equal(0, r.DeadLetters));
        Assert.True(after.RelayLog.Healthy, after.RelayLog.Problem);

        // A replica is shown dead once its heartbeat is older than ReplicatedPresence.Stale (10 s), which a quick run
        // reaches before then; the log's own view of a dead server comes from its leader's next look.
        await Eventually.TrueAsync(async () => (await StatusAsync(cluster)) is { } shown
            && !shown.ControlPlanes.Single(c => c.Name == $"controlplane-{via}").Alive
            && shown.RelayLog.Peers.Any(p => p.Name == $"n{via}" && !p.Current), TimeSpan.FromSeconds(30), "the killed replica and log server shown as such");

        // The killed server and replica return and catch up; the log's files never held material in the clear.
        cluster.LogServers[via].Start();
        await cluster.StartControlPlaneReplicaAsync(via);
        await Eventually.TrueAsync(async () => (await StatusAsync(cluster)) is { } healed && healed.RelayLog.Peers.Count == 3
            && healed.RelayLog.Peers.All(p => p.Current) && healed.ControlPlanes.All(c => c.Alive), TimeSpan.FromSeconds(60), "the log and replicas healed");
        foreach (var region in Regions)
        {
            foreach (var (keyId, _, material) in StoredMaterial.Unwrap(cluster.DataDirectory(region), region))
            {
                foreach (var server in cluster.LogServers)
                {
                    Assert.True(StoredMaterial.FindIn(server.Folder, material) is null, $"{keyId}'s material in the clear under {server.Name}");
                }
            }
        }
    }

    /// <summary>
    /// The log's servers admit only the relay-log certificate: a Region's, an operator's or the ControlPlane's chains to
    /// the same CA, yet none of them can read or delete an envelope there, and neither can a client without one.
    /// A break-glass claim is granted once whichever replica each claimant asks, and refused through any replica
    /// while the old primary's Region streams through another.
    /// </summary>
    [Fact]
    public async Task LogAdmitsOnlyTheRelayLogCertificate_AndClaimsAreOneAcrossReplicas()
    {
        await using var cluster = await StartAsync(output, replicatedRelay: true);
        var server = cluster.LogServers[0];
        foreach (var (certificate, key) in new[]
                 {
                     (cluster.Certificates.RegionCertificate(East), cluster.Certificates.RegionKey(East)),
                     (cluster.Certificates.OperatorCertificate, cluster.Certificates.OperatorKey),
                     (cluster.Certificates.ControlPlaneCertificate, cluster.Certificates.ControlPlaneKey),
                 })
        {
            Assert.False(await LogAdmitsAsync(server, certificate, key), $"{certificate} was admitted to the relay log");
        }

        Assert.False(await LogAdmitsAsync(server, null, null), "a client without a certificate was admitted to the relay log");
        Assert.True(await LogAdmitsAsync(server, cluster.Certificates.RelayLogCertificate, cluster.Certificates.RelayLogKey));

        // Sydney streams through one replica; a claim to take its sets is refused through every replica.
        var status = await StatusAsync(cluster);
        Assert.Equal(3, status.Regions.Select(r => r.ControlPlane).Distinct().Count());
        for (var replica = 0; replica < 3; replica++)
        {
            var refusal = await Assert.ThrowsAsync<RpcException>(() => ClaimAsync(cluster, replica, West, "mrk-claim-test", 1, Sydney));
            Assert.Equal(StatusCode.FailedPrecondition, refusal.StatusCode);
            Assert.Contains("is connected", refusal.Status.Detail, StringComparison.Ordinal);
        }

        // Gone for longer than the grace (2 s here), Sydney's sets may be claimed: once, whichever replica is asked.
        await cluster.KillRegionAsync(Sydney);
        await Eventually.TrueAsync(async () => (await StatusAsync(cluster)).Regions.Single(r => r.Region == Sydney) is { Connected: false } s
            && s.LastSeen.ToDateTimeOffset() < DateTimeOffset.UtcNow.AddSeconds(-3), TimeSpan.FromSeconds(30), "Sydney gone for longer than the grace");
        await ClaimAsync(cluster, 1, West, "mrk-claim-test", 1, Sydney);
        await ClaimAsync(cluster, 2, West, "mrk-claim-test", 1, Sydney);
        foreach (var replica in new[] { 0, 1, 2 })
        {
            var second = await Assert.ThrowsAsync<RpcException>(() => ClaimAsync(cluster, replica, East, "mrk-claim-test", 1, Sydney));
            Assert.Contains($"already promoted from epoch 1 to {West}", second.Status.Detail, StringComparison.Ordinal);
        }
    }

    private static async Task<bool> LogAdmitsAsync(RelayLogServer server, string? certificate, string? key)
    {
        await using var connection = new NATS.Client.Core.NatsConnection(new NATS.Client.Core.NatsOpts
        {
            Url = server.Url,
            MaxReconnectRetry = 0,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            TlsOpts = new NATS.Client.Core.NatsTlsOpts
            {
                Mode = NATS.Client.Core.TlsMode.Require, CertFile = certificate, KeyFile = key, InsecureSkipVerify = true,
            },
        });
        try
        {
            await connection.ConnectAsync().AsTask().WithTimeout();
            var js = new NATS.Client.JetStream.NatsJSContext(connection);
            await js.GetStreamAsync("MRK_RELAY").AsTask().WithTimeout();
            return true;
        }
        catch (NATS.Client.Core.NatsException)
        {
            return false;
        }
    }

    /// <summary>ClusterAdmin.ClaimPromotion as <paramref name="region"/> (its certificate) through one replica.</summary>
    private static async Task ClaimAsync(ThreeRegionCluster cluster, int replica, string region, string keyId, long fromEpoch, string previousPrimary)
    {
        using var certificate = ClusterPki.Load(cluster.Certificates.RegionCertificate(region), cluster.Certificates.RegionKey(region));
        using var handler = Identity.ClusterHandlers.Create(certificate,
            Identity.ClusterHandlers.IssuedBy(Identity.CertificateFiles.LoadCertificate(cluster.Certificates.AuthorityCertificate)));
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(cluster.ControlPlaneReplicas[replica]!.Endpoint,
            new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = handler });
        await new Internal.V1.ClusterAdmin.ClusterAdminClient(channel)
            .ClaimPromotionAsync(new Internal.V1.ClaimPromotionRequest { KeyId = keyId, FromEpoch = fromEpoch, PreviousPrimary = previousPrimary },
                deadline: Deadline.Soon).ResponseAsync.WithTimeout();
    }

    /// <summary>The console's JSON as an operator reads it (its certificate; the console's own certificate is the ControlPlane's).</summary>
    private static HttpClient ConsoleClient(ThreeRegionCluster cluster)
    {
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        handler.ClientCertificates.Add(X509Certificate2.CreateFromPemFile(cluster.Certificates.OperatorCertificate, cluster.Certificates.OperatorKey));
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    private static async Task<Internal.V1.GetClusterStatusResponse> StatusAsync(ThreeRegionCluster cluster) =>
        await cluster.ControlPlane!.StatusAsync(cluster.Certificates);

    private static async Task<int> RotationsAsync(ThreeRegionCluster cluster, string region, string keyId)
    {
        try
        {
            return (await cluster.Kms(region).ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = keyId }, deadline: Deadline.Soon).ResponseAsync
                .WithTimeout()).Rotations.Count;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return 0;
        }
    }
}
