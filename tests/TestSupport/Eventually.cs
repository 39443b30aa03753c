using Xunit;

namespace Grpc.Mrk.TestSupport;

/// <summary>Polls a condition that background work will make true, bounded in time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? within = null, string? what = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(20);
        var deadline = DateTime.UtcNow + limit;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(what is null ? "The condition did not become true in time." : $"waited {limit.TotalSeconds} s for {what}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Polls until <paramref name="value"/> gives something other than null, and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> value, TimeSpan within, string what)
        where T : class
    {
        T? found = null;
        await TrueAsync(async () => (found = await value().ConfigureAwait(false)) is not null, within, what).ConfigureAwait(false);
        return found!;
    }
}
