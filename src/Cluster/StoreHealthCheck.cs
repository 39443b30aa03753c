using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Healthy when a process's SQLite store answers a query: without it a RegionNode can serve no key and a ControlPlane
/// can accept no message. Reported through grpc.health.v1 (and so by `probe`). A healthy answer is reused for
/// <see cref="Fresh"/>, so load balancers probing many times a second cost one query a second; an unhealthy store is
/// asked again on every check.
/// </summary>
public sealed class StoreHealthCheck(Func<CancellationToken, Task> query, string store, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);

    private long _healthyAt;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetTimestamp();
        var healthyAt = Interlocked.Read(ref _healthyAt);
        if (healthyAt != 0 && time.GetElapsedTime(healthyAt, now) < Fresh)
        {
            return HealthCheckResult.Healthy();
        }

        try
        {
            await query(cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _healthyAt, now);
            return HealthCheckResult.Healthy();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            return HealthCheckResult.Unhealthy($"The {store} does not answer.", e);
        }
    }

    /// <summary>Registers the check under the name "store" (one instance, so its last answer is shared).</summary>
    public static IHealthChecksBuilder AddTo(IHealthChecksBuilder builder, string store, Func<IServiceProvider, Func<CancellationToken, Task>> query)
    {
        StoreHealthCheck? instance = null;
        return builder.Add(new HealthCheckRegistration("store", services => instance ??=
            new StoreHealthCheck(query(services), store, services.GetService<TimeProvider>() ?? TimeProvider.System), null, null));
    }
}
