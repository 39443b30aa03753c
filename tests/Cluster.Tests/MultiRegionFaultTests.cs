using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// SIGKILL of Regions and of the ControlPlane in the middle of cross-Region work: after restarts everything converges,
/// nothing is lost, no set has two primaries, and the surviving Regions keep answering crypto calls meanwhile.
/// </summary>
public sealed class MultiRegionFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillTargetAndThenPrimary_DuringReplicateKey_ReplicaStillBecomesEnabled()
    {
        await using var cluster = await StartAsync(output);
        var first = await cluster[East].CreateAsync(multiRegion: true);
        var second = await cluster[East].CreateAsync(multiRegion: true);
        var ciphertext = await cluster.EncryptAsync(East, first.KeyId, "replicated through crashes");

        await Replicate(cluster, first.KeyId, West);
        await cluster.KillRegionAsync(West);
        await Replicate(cluster, second.KeyId, Sydney);
        await cluster.KillRegionAsync(East);

        // Sydney keeps serving whatever it has while the others are down.
        var local = await cluster[Sydney].CreateAsync();
        Assert.Equal("sydney alone", await cluster.DecryptTextAsync(Sydney, await cluster.EncryptAsync(Sydney, local.KeyId, "sydney alone")));

        await cluster.StartRegionAsync(East);
        await cluster.StartRegionAsync(West);
        await cluster.UntilAsync(West, first.KeyId, m => m.KeyState == KeyState.Enabled);
        await cluster.UntilAsync(Sydney, second.KeyId, m => m.KeyState == KeyState.Enabled);
        Assert.Equal("replicated through crashes", await cluster.DecryptTextAsync(West, ciphertext));
        foreach (var region in new[] { East, West })
        {
            await cluster.UntilAsync(region, first.KeyId, m => m.MultiRegionConfiguration.ReplicaKeys.Count == 1);
        }
    }

    [Fact]
    public async Task KillPrimary_RightAfterRotation_AndOldPrimary_RightAfterHandOff_SetConverges()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var original = (await cluster.DescribeAsync(East, key.KeyId)).CurrentKeyMaterialId;
        var before = await cluster.EncryptAsync(West, key.KeyId, "before the storm");

        await cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await cluster.KillRegionAsync(East);
        Assert.Equal("before the storm", await cluster.DecryptTextAsync(Sydney, before));
        await cluster.StartRegionAsync(East);
        string? rotated = null;
        foreach (var region in Regions)
        {
            rotated = (await cluster.UntilAsync(region, key.KeyId, m => m.CurrentKeyMaterialId != original, TimeSpan.FromSeconds(60))).CurrentKeyMaterialId;
        }

        await cluster.Kms(East).UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = key.KeyId, PrimaryRegion = Sydney },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await cluster.KillRegionAsync(East);
        Assert.Equal("before the storm", await cluster.DecryptTextAsync(West, before));
        await cluster.StartRegionAsync(East);
        foreach (var region in Regions)
        {
            var metadata = await cluster.UntilAsync(region, key.KeyId,
                m => m.MultiRegionConfiguration.PrimaryKey.Region == Sydney && m.KeyState == KeyState.Enabled, TimeSpan.FromSeconds(60));
            Assert.Equal(rotated, metadata.CurrentKeyMaterialId);
            Assert.Equal("before the storm", await cluster.DecryptTextAsync(region, before));
        }

        var primaries = new List<string>();
        foreach (var region in Regions)
        {
            if ((await cluster.DescribeAsync(region, key.KeyId)).MultiRegionConfiguration.MultiRegionKeyType == MultiRegionKeyType.Primary)
            {
                primaries.Add(region);
            }
        }

        Assert.Equal([Sydney], primaries);
    }

    [Fact]
    public async Task KillControlPlane_WithReplicationInFlight_DeliveredAfterRestart_AndItNeverHeldMaterial()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        var hmac = await cluster[East].CreateAsync(KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac, multiRegion: true);
        await cluster.KillRegionAsync(West);
        await Replicate(cluster, key.KeyId, West);
        await Replicate(cluster, hmac.KeyId, West);
        await Eventually.TrueAsync(async () => (await cluster.ControlPlane!.StatusAsync(cluster.Certificates)).Regions.Single(r => r.Region == West).QueueDepth >= 2);

        await cluster.KillControlPlaneAsync();
        // With the ControlPlane gone every Region still does every cryptographic operation.
        var ciphertext = await cluster.EncryptAsync(East, key.KeyId, "no control plane needed");
        Assert.Equal("no control plane needed", await cluster.DecryptTextAsync(East, ciphertext));

        await cluster.StartControlPlaneAsync();
        await cluster.StartRegionAsync(West);
        await cluster.UntilAsync(West, key.KeyId, m => m.KeyState == KeyState.Enabled, TimeSpan.FromSeconds(60));
        await cluster.UntilAsync(West, hmac.KeyId, m => m.KeyState == KeyState.Enabled, TimeSpan.FromSeconds(60));
        Assert.Equal("no control plane needed", await cluster.DecryptTextAsync(West, ciphertext));
        await cluster.QuiescentAsync();

        // Every version of every key, unwrapped from the Regions' stores with their domain keys, is absent from the
        // ControlPlane's files and log.
        var materials = Regions.SelectMany(r => StoredMaterial.Unwrap(cluster.DataDirectory(r), r)).ToList();
        Assert.Contains(materials, m => m.KeyId == key.KeyId);
        Assert.Contains(materials, m => m.KeyId == hmac.KeyId);
        foreach (var (_, _, material) in materials)
        {
            Assert.Null(StoredMaterial.FindIn(cluster.ControlPlaneDirectory, material));
            Assert.DoesNotContain(Convert.ToBase64String(material), cluster.ControlPlane!.Log, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(material), cluster.ControlPlane.Log, StringComparison.OrdinalIgnoreCase);
            foreach (var region in Regions)
            {
                Assert.DoesNotContain(Convert.ToBase64String(material), cluster[region].Log, StringComparison.Ordinal);
            }
        }

        // The material is really the same in both Regions (same IDs, same bytes), and only wrapped on disk.
        var east = StoredMaterial.Unwrap(cluster.DataDirectory(East), East).Where(m => m.KeyId == hmac.KeyId).ToList();
        var west = StoredMaterial.Unwrap(cluster.DataDirectory(West), West).Where(m => m.KeyId == hmac.KeyId).ToList();
        Assert.Equal(east.Select(m => (m.MaterialId, Convert.ToHexString(m.Material))), west.Select(m => (m.MaterialId, Convert.ToHexString(m.Material))));
        Assert.Null(StoredMaterial.FindIn(cluster.DataDirectory(West), east[0].Material));
    }

    private static Task<ReplicateKeyResponse> Replicate(ThreeRegionCluster cluster, string keyId, string region) =>
        cluster.Kms(East).ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = region }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
}
