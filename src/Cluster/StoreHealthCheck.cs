using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Healthy when a process's SQLite store answers a query: without it a RegionNode can serve no key and a ControlPlane
/// can accept no message. Reported through grpc.health.v1 (and so by `probe`).
/// </summary>
public sealed class StoreHealthCheck(Func<CancellationToken, Task> query, string store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await query(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            return HealthCheckResult.Unhealthy($"The {store} does not answer.", e);
        }
    }

    /// <summary>Registers the check under the name "store".</summary>
    public static IHealthChecksBuilder AddTo(IHealthChecksBuilder builder, string store, Func<IServiceProvider, Func<CancellationToken, Task>> query) =>
        builder.Add(new HealthCheckRegistration("store", services => new StoreHealthCheck(query(services), store), null, null));
}
