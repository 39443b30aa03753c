using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Regions whose clocks are hours apart (one machine's NTP broken): each seals new material with the prekeys the other
/// published, whose expiry it reads on its own clock. Where that makes them look expired, or not yet usable, material
/// travels the older way (the replica asks for it with a key of its own and is sent it), so keys still replicate and
/// rotate both ways, and ciphertexts made on one side decrypt on the other.
/// </summary>
public sealed class ClockSkewTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Converges = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _clock = new();

    public void Dispose() => _clock.Dispose();

    [Fact]
    public async Task RegionsHoursApart_StillReplicateAndRotateBothWays()
    {
        await using var cluster = await StartAsync(output);
        await cluster.KillRegionAsync(West);
        await cluster.StartRegionAsync(West, new MovedClock(_clock.Path, TimeSpan.FromHours(2)).Environment);

        var ledByEast = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, ledByEast.KeyId, West);
        var ledByWest = await cluster[West].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(West, ledByWest.KeyId, East);
        await cluster.RotateEverywhereAsync(East, ledByEast.KeyId, [East, West], Converges);
        await cluster.RotateEverywhereAsync(West, ledByWest.KeyId, [West, East], Converges);

        Assert.Equal("sealed in East", await cluster.DecryptTextAsync(West, await cluster.EncryptAsync(East, ledByEast.KeyId, "sealed in East")));
        Assert.Equal("sealed in West", await cluster.DecryptTextAsync(East, await cluster.EncryptAsync(West, ledByWest.KeyId, "sealed in West")));
        foreach (var keyId in new[] { ledByEast.KeyId, ledByWest.KeyId })
        {
            Assert.Equal((await cluster.DescribeAsync(East, keyId)).CurrentKeyMaterialId, (await cluster.DescribeAsync(West, keyId)).CurrentKeyMaterialId);
        }
    }
}
