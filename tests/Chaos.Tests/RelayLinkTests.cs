using Grpc.Mrk.Chaos.Network;
using Grpc.Mrk.Client;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>
/// A Region's relay stream across a real silent partition (iptables DROP in the Region's namespace): if the far end of
/// its connection goes away while no packet can reach it, nothing ever tells the Region; it must find out by itself
/// and connect again once the network is back.
/// </summary>
public sealed class RelayLinkTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public Task Region_ConnectsAgain_WhenItsConnectionDiedDuringASilentPartition() => InNamespacesAsync(async cluster =>
    {
        var cutOff = ChaosCluster.Regions[1];
        await cluster.CutAsync(cutOff, reset: false).WithTimeout();

        // The ControlPlane restarts while the Region cannot hear it: the Region's connection now leads nowhere.
        await cluster.ControlPlanes[0].KillAsync().WithTimeout();
        cluster.ControlPlanes[0].Start();
        await WaitForAsync(cluster, s => s.Regions.Where(r => r.Region != cutOff).All(r => r.Connected), "the other Regions to connect");
        Assert.False((await cluster.StatusAsync(CancellationToken.None).WithTimeout()).Regions.Single(r => r.Region == cutOff).Connected);

        await cluster.RestoreAsync(cutOff).WithTimeout();
        await WaitForAsync(cluster, s => s.Regions.All(r => r.Connected), $"{cutOff} to connect again after the partition healed");
    });

    [SkippableFact]
    public Task Region_ConnectsAgain_WhenTheControlPlaneSideWasResetWhileTheRegionSaidNothing() => InNamespacesAsync(async cluster =>
    {
        var (primary, cutOff) = (ChaosCluster.Regions[0], ChaosCluster.Regions[1]);
        await cluster.CutAsync(cutOff, reset: true).WithTimeout();

        // A replica for the cut-off Region: the ControlPlane's delivery to it meets the reset rule, which resets the
        // connection on the ControlPlane's side only; the Region, which had nothing to send, is not told.
        var east = cluster.Client(primary);
        var key = (await east.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }).WithTimeout()).KeyMetadata.KeyId;
        await east.CallAsync((kms, o) => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = key, ReplicaRegion = cutOff }, o)).WithTimeout();
        await WaitForAsync(cluster, s => !s.Regions.Single(r => r.Region == cutOff).Connected, $"the ControlPlane to lose {cutOff}");

        await cluster.RestoreAsync(cutOff).WithTimeout();
        await WaitForAsync(cluster, s => s.Regions.All(r => r.Connected), $"{cutOff} to connect again after the partition healed");
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await cluster.Client(cutOff).DescribeKeyAsync(key).WithTimeout()).KeyMetadata.KeyState == KeyState.Enabled;
            }
            catch (MrkException e) when (e.ErrorCode == "NotFoundException")
            {
                return false; // The replica has not arrived yet.
            }
        }, Within, $"the replica in {cutOff} to be Enabled");
    });

    private static async Task InNamespacesAsync(Func<ChaosCluster, Task> test)
    {
        await NetnsRequirement.EnsureAsync();
        var folder = Directory.CreateTempSubdirectory("mrk-relay-link-").FullName;
        try
        {
            await using var cluster = await ChaosCluster.StartAsync(folder, ChaosNetwork.Namespaces, CancellationToken.None).WithTimeout(TimeSpan.FromMinutes(2));
            await test(cluster);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task WaitForAsync(ChaosCluster cluster, Func<GetClusterStatusResponse, bool> condition, string what) =>
        Eventually.TrueAsync(async () =>
        {
            try
            {
                return condition(await cluster.StatusAsync(CancellationToken.None).WithTimeout());
            }
            catch (Grpc.Core.RpcException)
            {
                return false; // The ControlPlane is still starting.
            }
        }, Within, what);
}
