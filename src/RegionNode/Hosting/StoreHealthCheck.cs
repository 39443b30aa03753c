using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>Healthy when the Region's store answers a query.</summary>
public sealed class StoreHealthCheck(NodeMeta meta) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await meta.CountKeysAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            return HealthCheckResult.Unhealthy("The store does not answer.", e);
        }
    }
}
