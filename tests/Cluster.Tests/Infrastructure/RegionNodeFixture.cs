namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>One RegionNode shared by the tests of a class that do not restart or kill it.</summary>
public sealed class RegionNodeFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();

    public RegionNodeProcess Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await RegionNodeProcess.StartAsync(_directory.Sub("us-east-1"));

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        _directory.Dispose();
    }
}
