using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Two-phase rotation of multi-Region keys: new material reaches every replica before anyone encrypts with it, and
/// every old ciphertext keeps decrypting everywhere.
/// </summary>
public sealed class MultiRegionRotationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OnDemand_AllRegionsConverge_OldAndNewCiphertextsDecryptEverywhere()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var original = (await cluster.DescribeAsync(East, key.KeyId)).CurrentKeyMaterialId;
        var before = await cluster.EncryptAsync(West, key.KeyId, "before rotation");

        await cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        var rotated = await CurrentEverywhereAsync(cluster, key.KeyId, m => m != original);
        foreach (var region in Regions)
        {
            var rotations = await RotationsAsync(cluster, region, key.KeyId);
            var entry = Assert.Single(rotations);
            Assert.Equal(rotated, entry.KeyMaterialId);
            Assert.Equal(KeyMaterialState.Current, entry.KeyMaterialState);
            Assert.Equal(RotationType.OnDemand, entry.RotationType);
        }

        foreach (var from in Regions)
        {
            var after = await cluster.EncryptAsync(from, key.KeyId, $"after rotation in {from}");
            foreach (var to in Regions)
            {
                var decrypted = await cluster.DecryptAsync(to, after);
                Assert.Equal($"after rotation in {from}", decrypted.Plaintext.ToStringUtf8());
                Assert.Equal(rotated, decrypted.KeyMaterialId);
                var old = await cluster.DecryptAsync(to, before);
                Assert.Equal("before rotation", old.Plaintext.ToStringUtf8());
                Assert.Equal(original, old.KeyMaterialId);
            }
        }
    }

    [Fact]
    public async Task ReplicaDown_NewMaterialStaysPending_NobodyEncryptsWithIt_UntilTheReplicaReturns()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var original = (await cluster.DescribeAsync(East, key.KeyId)).CurrentKeyMaterialId;

        await cluster.KillRegionAsync(Sydney);
        await cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        var pending = Assert.Single(await RotationsAsync(cluster, East, key.KeyId));
        Assert.Equal(KeyMaterialState.PendingRotation, pending.KeyMaterialState);

        // eu-west-1 receives the pending version (it decrypts with it once asked to) but encrypts with the old one.
        await Eventually.TrueAsync(async () => (await RotationsAsync(cluster, West, key.KeyId)).Count == 1, TimeSpan.FromSeconds(30));
        // At a quiet point between the two Regions still up (ap-southeast-2's queue waits for it), neither has promoted it.
        await cluster.QuiescentAsync(East, West);
        foreach (var region in new[] { East, West })
        {
            Assert.Equal(original, (await cluster.DescribeAsync(region, key.KeyId)).CurrentKeyMaterialId);
            Assert.Equal(KeyMaterialState.PendingRotation, Assert.Single(await RotationsAsync(cluster, region, key.KeyId)).KeyMaterialState);
            var ciphertext = await cluster.EncryptAsync(region, key.KeyId, "during the rotation");
            Assert.Equal(original, (await cluster.DecryptAsync(region, ciphertext)).KeyMaterialId);
        }

        await Errors.ExpectAsync("ConflictException", cluster.Kms(East).RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId },
            deadline: Deadline.Soon));

        await cluster.StartRegionAsync(Sydney);
        var rotated = await CurrentEverywhereAsync(cluster, key.KeyId, m => m != original);
        Assert.Equal(pending.KeyMaterialId, rotated);
    }

    [Fact]
    public async Task Automatic_SettingSyncedToReplicas_RotatesOnThePrimarysSchedule_ReplicasRefuseToChangeIt()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West, Sydney);
        var original = (await cluster.DescribeAsync(East, key.KeyId)).CurrentKeyMaterialId;

        await cluster.Kms(East).EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        foreach (var region in new[] { West, Sydney })
        {
            await Eventually.TrueAsync(async () =>
            {
                var status = await cluster.Kms(region).GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId },
                    deadline: Deadline.Soon).ResponseAsync.WithTimeout();
                return status is { KeyRotationEnabled: true, RotationPeriodInDays: 90 };
            });
            await Errors.ExpectAsync("UnsupportedOperationException", cluster.Kms(region).EnableKeyRotationAsync(
                new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 180 }, deadline: Deadline.Soon));
            await Errors.ExpectAsync("UnsupportedOperationException", cluster.Kms(region).DisableKeyRotationAsync(
                new DisableKeyRotationRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
            await Errors.ExpectAsync("UnsupportedOperationException", cluster.Kms(region).RotateKeyOnDemandAsync(
                new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
        }

        // Replicas' clocks move too: only the primary's schedule may rotate the set.
        foreach (var region in Regions)
        {
            await cluster[region].AdvanceClockAsync(TimeSpan.FromDays(91));
        }

        var rotated = await CurrentEverywhereAsync(cluster, key.KeyId, m => m != original);
        foreach (var region in Regions)
        {
            var entry = Assert.Single(await RotationsAsync(cluster, region, key.KeyId));
            Assert.Equal(RotationType.Automatic, entry.RotationType);
            Assert.Equal(rotated, entry.KeyMaterialId);
        }
    }

    /// <summary>Waits until every Region encrypts with the same new current material; returns its ID.</summary>
    private static async Task<string> CurrentEverywhereAsync(ThreeRegionCluster cluster, string keyId, Func<string, bool> isNew)
    {
        string? current = null;
        await Eventually.TrueAsync(async () =>
        {
            var ids = new List<string>();
            foreach (var region in Regions)
            {
                ids.Add((await cluster.DescribeAsync(region, keyId)).CurrentKeyMaterialId);
            }

            current = ids[0];
            return ids.All(id => id == ids[0] && isNew(id));
        }, TimeSpan.FromSeconds(60));
        return current!;
    }

    private static async Task<IReadOnlyList<RotationsListEntry>> RotationsAsync(ThreeRegionCluster cluster, string region, string keyId) =>
        (await cluster.Kms(region).ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = keyId }, deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout()).Rotations;
}
