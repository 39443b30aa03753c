namespace Grpc.Mrk.RegionNode.Domain.Quotas;

/// <summary>
/// Whether request quotas are enforced, and the rates that differ from AWS's defaults, by setting name (see
/// <see cref="RequestQuota.Setting"/>): "Symmetric" = 20000, "CreateKey" = 50, "GenerateDataKeyPair_RSA_2048" = 2.
/// </summary>
public sealed record RequestQuotaSettings(bool Enabled, IReadOnlyDictionary<string, double> Rates)
{
    public static RequestQuotaSettings AwsDefaults { get; } = new(true, new Dictionary<string, double>());

    public static RequestQuotaSettings Off { get; } = new(false, new Dictionary<string, double>());
}
