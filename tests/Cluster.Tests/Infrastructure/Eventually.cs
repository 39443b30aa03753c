namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>Polls a condition that background work will make true, bounded in time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The condition did not become true in time.");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }
}
