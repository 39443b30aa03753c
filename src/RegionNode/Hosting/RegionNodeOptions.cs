using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>Configuration of one RegionNode (section "Mrk"; environment variables Mrk__Region etc.).</summary>
public sealed class RegionNodeOptions
{
    public const string Section = "Mrk";

    /// <summary>This node's Region, for example us-east-1.</summary>
    public string Region { get; set; } = string.Empty;

    public string Partition { get; set; } = "aws";

    public string AccountId { get; set; } = "111122223333";

    /// <summary>Folder for the SQLite store and, by default, the domain key file.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Domain key file; default &lt;DataDirectory&gt;/domain.key. MRK_DOMAIN_KEY (base64) takes precedence.</summary>
    public string? DomainKeyFile { get; set; }

    /// <summary>
    /// Keys whose stored rows, and material versions whose unwrapped plaintext, a node keeps in memory so crypto calls
    /// skip the store and the unwrap; 0 turns both caches off. Every write to a key drops its entries at once.
    /// </summary>
    public int KeyCacheSize { get; set; } = SqliteKeyStore.DefaultKeyCacheCapacity;

    /// <summary>How often due deletions and rotations are carried out.</summary>
    public double MaintenanceIntervalSeconds { get; set; } = 30;

    /// <summary>How often the node checks its own audit log (hash chain and signed digests); 0 for never.</summary>
    public double AuditVerifyIntervalSeconds { get; set; } = 6 * 3600;

    /// <summary>
    /// Runs the replication and key-describing code once on made-up values right after start (<see cref="CodePathWarmUp"/>),
    /// so the first replication does not wait for the runtime to compile it.
    /// </summary>
    public bool WarmUp { get; set; } = true;

    /// <summary>
    /// Enforces AWS's request quotas (ThrottlingException over a rate; docs/operations.md lists them). Off only for
    /// load tests and benchmarks that must measure the node rather than its quotas.
    /// </summary>
    public bool RequestQuotas { get; set; } = true;

    /// <summary>Request quotas that differ from AWS's defaults, in requests per second by quota (Mrk:RequestRates:CreateKey = 50).</summary>
    public Dictionary<string, string> RequestRates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The request quotas as the domain takes them; throws <see cref="StartupRefusedException"/> for a rate that is not a number.</summary>
    public Domain.Quotas.RequestQuotaSettings RequestQuotaSettings() => new(RequestQuotas, RequestRates.ToDictionary(r => r.Key,
        r => double.TryParse(r.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var rate)
            ? rate
            : throw new StartupRefusedException($"Mrk:RequestRates:{r.Key} must be a number of requests per second, not '{r.Value}'."),
        StringComparer.OrdinalIgnoreCase));

    /// <summary>AWS's resource quotas (keys per Region, aliases, grants, policy size, tags), each changeable: Mrk:ResourceQuotas:KeysPerRegion = 200000.</summary>
    public Domain.Quotas.ResourceQuotas ResourceQuotas { get; set; } = new();

    /// <summary>PEM certificate for the public API's TLS (for example regions/&lt;region&gt;/tls.crt from `mrk cluster bootstrap`).</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>PEM (PKCS#8) private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>Allows http:// (plaintext) listening addresses; accepted only on loopback addresses.</summary>
    public bool Plaintext { get; set; }

    /// <summary>
    /// How often anti-entropy checks for other Regions that have not acknowledged the latest shared state (it repeats
    /// with exponential back-off up to 16 times this, at most 10 minutes).
    /// </summary>
    public double SyncIntervalSeconds { get; set; } = 30;

    /// <summary>
    /// The ControlPlane's address (https://...), or its replicas' addresses, comma-separated (the Region moves to the
    /// next when its ControlPlane stops answering); unset for a Region that runs alone.
    /// </summary>
    public string? ControlPlaneUrl { get; set; }

    /// <summary>
    /// The cluster certificates folder (as `mrk cluster bootstrap` lays it out): ca.crt, this Region's tls and
    /// signing certificates and keys, and the other Regions' signing certificates.
    /// </summary>
    public string? ClusterCertificates { get; set; }

    /// <summary>
    /// INSECURE, for a local cluster on one machine only: calls without credentials are accepted and act as the
    /// account's root principal, and anyone may administer principals. Accepted only when every listening address is
    /// loopback; the node logs a warning at start.
    /// </summary>
    public bool InsecureAllowAnonymous { get; set; }

    /// <summary>
    /// Serves the TestClock service so tests can move time forward. Accepted only when every listening address is
    /// loopback; never set it in production.
    /// </summary>
    public bool TestMode { get; set; }
}
