namespace Grpc.Mrk.RegionNode.Domain.Quotas;

/// <summary>
/// One request quota: AWS's name for it (as Service Quotas shows it), the setting that changes it
/// (Mrk:Quotas:Requests:&lt;Setting&gt;), and its rate in requests per second. A bucket holds one second of requests, or
/// one request where the rate is below one a second (GetParametersForImport: one in each 4 seconds).
/// </summary>
public sealed record RequestQuota(string Name, string Setting, double PerSecond)
{
    public double Burst => Math.Max(1, PerSecond);
}
