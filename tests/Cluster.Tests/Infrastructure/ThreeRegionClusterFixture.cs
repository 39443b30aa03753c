namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>One three-Region cluster shared by the tests of a class that do not kill anything.</summary>
public sealed class ThreeRegionClusterFixture : IAsyncLifetime
{
    public ThreeRegionCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await ThreeRegionCluster.StartAsync(null);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
