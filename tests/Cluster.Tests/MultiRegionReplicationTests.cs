using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>ReplicateKey across three real Region processes: same key ID, same material, crypto interchangeable.</summary>
public sealed class MultiRegionReplicationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SymmetricKey_ReplicatedTwice_EveryRegionDecryptsEveryOther()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        var before = await cluster.EncryptAsync(East, key.KeyId, "made before any replica existed");
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);

        foreach (var region in Regions)
        {
            var metadata = await cluster.UntilAsync(region, key.KeyId, m => m.MultiRegionConfiguration.ReplicaKeys.Count == 2);
            Assert.Equal(region == East ? MultiRegionKeyType.Primary : MultiRegionKeyType.Replica, metadata.MultiRegionConfiguration.MultiRegionKeyType);
            Assert.Equal(East, metadata.MultiRegionConfiguration.PrimaryKey.Region);
            Assert.Equal([West, Sydney], metadata.MultiRegionConfiguration.ReplicaKeys.Select(r => r.Region).Order().Reverse());
            Assert.Equal($"arn:aws:kms:{region}:111122223333:key/{key.KeyId}", metadata.Arn);
        }

        foreach (var from in Regions)
        {
            var ciphertext = await cluster.EncryptAsync(from, key.KeyId, $"from {from}");
            foreach (var to in Regions)
            {
                Assert.Equal($"from {from}", await cluster.DecryptTextAsync(to, ciphertext));
                Assert.Equal("made before any replica existed", await cluster.DecryptTextAsync(to, before));
            }
        }
    }

    /// <summary>
    /// Once the Regions have exchanged their transport prekeys (they do on start), a new replica's material travels with
    /// its creation: the replica never asks for it, and a rotation's new version reaches it with the state announcing it.
    /// </summary>
    [Fact]
    public async Task MaterialTravelsWithTheCreationAndTheRotation_NoKeyRequest()
    {
        await using var cluster = await StartAsync(output);
        var first = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, first.KeyId, West);
        await cluster.UntilAsync(West, first.KeyId, m => m.KeyState == V1.KeyState.Enabled);

        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var ciphertext = await cluster.EncryptAsync(East, key.KeyId, "with the creation");
        foreach (var replica in new[] { West, Sydney })
        {
            await cluster.UntilAsync(replica, key.KeyId, m => m.KeyState == V1.KeyState.Enabled);
            Assert.Equal("with the creation", await cluster.DecryptTextAsync(replica, ciphertext));
        }

        await cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await cluster.QuiescentAsync();
        var rotated = await cluster.EncryptAsync(East, key.KeyId, "after the rotation");
        Assert.Equal("after the rotation", await cluster.DecryptTextAsync(Sydney, rotated));

        Assert.DoesNotContain($"Applied KeyRequest for key {key.KeyId}", cluster[East].Log, StringComparison.Ordinal);
        Assert.DoesNotContain($"Applied KeyTransfer for key {key.KeyId}", cluster[West].Log + cluster[Sydney].Log, StringComparison.Ordinal);
        Assert.Contains($"Applied CreateReplica for key {key.KeyId}", cluster[West].Log, StringComparison.Ordinal);
    }
}
