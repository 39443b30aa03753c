namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>One in-process RegionNode shared by the tests of a class.</summary>
public sealed class InProcessNodeFixture : IAsyncLifetime
{
    public InProcessRegionNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await InProcessRegionNode.StartAsync();

    public async Task DisposeAsync() => await Node.DisposeAsync();
}
