using System.Text.Json;
using Grpc.Core;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.Identity;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Break-glass promotion of a replica when the primary's Region is lost, on real processes: refused while the
/// primary's Region is reachable and to anyone but an operator, granted once per set and epoch, recorded in every
/// Region, and the old primary, back with its store, follows the new epoch as a replica: never two primaries.
/// </summary>
public sealed class BreakGlassPromotionTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Converges = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Replica_IsPromoted_OnlyWhileThePrimaryIsLost_AndTheOldPrimaryReturnsAsAReplica()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var before = await cluster.EncryptAsync(East, key.KeyId, "made before the loss");
        var file = cluster.WriteClusterFile();
        string[] Promote(string region, params string[] more) =>
            ["--cluster-file", file, "--region", region, "cluster", "promote-replica", "--key-id", key.KeyId, "--reason", "us-east-1 lost in a fire", .. more];

        // East is reachable: UpdatePrimaryRegion is the way, and nothing changes.
        var reachable = await MrkCli.RunAsync(_work.Path, Promote(West));
        Assert.True(reachable.ExitCode == 254, reachable.Error);
        Assert.Contains("KMSInvalidStateException", reachable.Error, StringComparison.Ordinal);
        Assert.Contains("connected", reachable.Error, StringComparison.Ordinal);
        Assert.Equal(MultiRegionKeyType.Replica, (await cluster.DescribeAsync(West, key.KeyId)).MultiRegionConfiguration.MultiRegionKeyType);

        await cluster.KillRegionAsync(East);

        // An order signed with a principal's certificate is no operator's: refused by the Region itself.
        var issued = ClusterBootstrap.IssueClient(cluster.Certificates, ClusterRole.User, "mallory", TimeProvider.System);
        var forged = await MrkCli.RunAsync(_work.Path, Promote(West, "--client-cert", Path.GetDirectoryName(issued.Certificate)!));
        Assert.True(forged.ExitCode == 254, forged.Error);
        Assert.Contains("not an operator's", forged.Error, StringComparison.Ordinal);

        // Once the ControlPlane has not seen East for its grace period, the operator's order goes through.
        (int ExitCode, string Output, string Error) promoted = default;
        await Eventually.TrueAsync(async () =>
        {
            promoted = await MrkCli.RunAsync(_work.Path, Promote(West));
            return promoted.ExitCode == 0;
        }, TimeSpan.FromSeconds(30), "the promotion, once East was unreachable long enough");
        using (var answer = JsonDocument.Parse(promoted.Output ?? "{}"))
        {
            Assert.Equal(West, answer.RootElement.GetProperty("PrimaryRegion").GetString());
            Assert.Equal(East, answer.RootElement.GetProperty("PreviousPrimary").GetString());
        }

        await cluster.UntilAsync(Sydney, key.KeyId, m => m.MultiRegionConfiguration.PrimaryKey.Region == West, Converges);

        // Another replica promoted out of the same epoch: the ControlPlane granted it once, to West.
        using (var sydney = RegionClient(cluster, Sydney))
        {
            var twice = await Assert.ThrowsAsync<RpcException>(() => new ClusterAdmin.ClusterAdminClient(sydney)
                .ClaimPromotionAsync(new ClaimPromotionRequest { KeyId = key.KeyId, FromEpoch = 1, PreviousPrimary = East }, deadline: Deadline.Soon)
                .ResponseAsync.WithTimeout());
            Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);
            Assert.Contains($"already promoted from epoch 1 to {West}", twice.Status.Detail, StringComparison.Ordinal);
        }

        // West leads: its rotation reaches Sydney, and what East made before the loss still decrypts.
        Assert.Equal("made before the loss", await cluster.DecryptTextAsync(West, before));
        var original = (await cluster.DescribeAsync(West, key.KeyId)).CurrentKeyMaterialId;
        await cluster.Kms(West).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();

        // East comes back with its store: it learns of the new epoch and follows West as a replica; the rotation (held
        // back until East, still listed, holds it) then completes everywhere.
        await cluster.StartRegionAsync(East);
        string? rotated = null;
        foreach (var region in Regions)
        {
            var metadata = await cluster.UntilAsync(region, key.KeyId,
                m => m.MultiRegionConfiguration.PrimaryKey.Region == West && m.CurrentKeyMaterialId != original, Converges);
            rotated ??= metadata.CurrentKeyMaterialId;
            Assert.Equal(rotated, metadata.CurrentKeyMaterialId);
            Assert.Equal("made before the loss", await cluster.DecryptTextAsync(region, before));
        }

        var primaries = new List<string>();
        foreach (var region in Regions)
        {
            if ((await cluster.DescribeAsync(region, key.KeyId)).MultiRegionConfiguration.MultiRegionKeyType == MultiRegionKeyType.Primary)
            {
                primaries.Add(region);
            }
        }

        Assert.Equal([West], primaries);
        foreach (var region in Regions)
        {
            var records = await new AuditLog.AuditLogClient(cluster[region].Invoker)
                .ListAuditRecordsAsync(new ListAuditRecordsRequest { EventName = "BreakGlassPromotion" }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
            var record = Assert.Single(records.Records);
            Assert.Contains("us-east-1 lost in a fire", record.Json, StringComparison.Ordinal);
        }
    }

    /// <summary>A channel to the ControlPlane with <paramref name="region"/>'s own cluster certificate.</summary>
    private static GrpcChannel RegionClient(ThreeRegionCluster cluster, string region)
    {
        var certificate = ClusterPki.Load(cluster.Certificates.RegionCertificate(region), cluster.Certificates.RegionKey(region));
        var authority = CertificateFiles.LoadCertificate(cluster.Certificates.AuthorityCertificate);
        return GrpcChannel.ForAddress(cluster.ControlPlane!.Endpoint,
            new GrpcChannelOptions { HttpHandler = ClusterHandlers.Create(certificate, ClusterHandlers.IssuedBy(authority)) });
    }
}
