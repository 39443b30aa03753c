namespace Grpc.Mrk.ControlPlane.Hosting;

/// <summary>Configuration of the ControlPlane (section "ControlPlane"; environment variables ControlPlane__DataDirectory etc.).</summary>
public sealed class ControlPlaneOptions
{
    public const string Section = "ControlPlane";

    /// <summary>Folder of the relay's SQLite store (relay.db).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The Regions of the cluster, comma-separated; only these may connect.</summary>
    public string Regions { get; set; } = string.Empty;

    /// <summary>The cluster CA (PEM) every peer certificate must chain to.</summary>
    public string CaCertificateFile { get; set; } = string.Empty;

    public string TlsCertificateFile { get; set; } = string.Empty;

    public string TlsKeyFile { get; set; } = string.Empty;

    /// <summary>
    /// Where the read-only web console listens (https://host:port, its own port, the ControlPlane's certificate);
    /// empty for no console.
    /// </summary>
    public string ConsoleUrl { get; set; } = string.Empty;

    /// <summary>Lets a caller on loopback read the console without a certificate: for a local cluster on one machine only.</summary>
    public bool InsecureConsoleLoopback { get; set; }

    /// <summary>
    /// The console's operator API keys (<c>mrk cluster console-key create</c>): with it, a browser without an operator
    /// certificate may sign in with one; empty for none.
    /// </summary>
    public string ConsoleKeysFile { get; set; } = string.Empty;

    /// <summary>
    /// How long a Region must have been unreachable before a break-glass promotion may take the primary role from it
    /// (--promotion-grace, seconds): a Region seen within it may only be between two connections.
    /// </summary>
    public double PromotionGraceSeconds { get; set; } = 30;

    /// <summary>
    /// Where the relay keeps its queue (--queue): "sqlite" (the default: one ControlPlane, relay.db in its data folder)
    /// or the replicated log's NATS servers, "nats://host:port,nats://host:port,..." (every replica lists the same).
    /// </summary>
    public string Queue { get; set; } = "sqlite";

    /// <summary>The relay-log certificate and key (PEM) this replica presents to the NATS servers; required with a nats:// queue.</summary>
    public string RelayLogCertificateFile { get; set; } = string.Empty;

    public string RelayLogKeyFile { get; set; } = string.Empty;

    /// <summary>How many log servers keep each envelope (--log-replicas, 1-5; 3 survives the loss of any one).</summary>
    public int LogReplicas { get; set; } = 3;

    /// <summary>This replica's name in the status (--replica-name); by default the host and port of its first --urls address.</summary>
    public string ReplicaName { get; set; } = string.Empty;

    public bool Replicated => !string.Equals(Queue, "sqlite", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(Queue);

    public IReadOnlyList<string> QueueServers =>
        Queue.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    public IReadOnlyList<string> RegionList =>
        Regions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
}
