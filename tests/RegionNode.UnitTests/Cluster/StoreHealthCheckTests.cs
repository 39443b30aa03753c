using Grpc.Mrk.Cluster;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Cluster;

public sealed class StoreHealthCheckTests
{
    [Fact]
    public async Task HealthyAnswer_ReusedForOneSecond_UnhealthyAskedEveryTime()
    {
        var clock = new FakeTimeProvider();
        var queries = 0;
        var broken = false;
        var check = new StoreHealthCheck(_ =>
        {
            queries++;
            return broken ? throw new SqliteException("disk I/O error", 10) : Task.CompletedTask;
        }, "test store", clock);
        var context = new HealthCheckContext();

        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context)).Status);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context)).Status);
        Assert.Equal(1, queries);

        broken = true;
        clock.Advance(StoreHealthCheck.Fresh);
        var unhealthy = await check.CheckHealthAsync(context);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Equal("The test store does not answer.", unhealthy.Description);
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(context)).Status);
        Assert.Equal(3, queries);

        broken = false;
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(context)).Status);
        Assert.Equal(4, queries);
    }
}
