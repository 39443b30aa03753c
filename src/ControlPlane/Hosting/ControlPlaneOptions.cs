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

    public IReadOnlyList<string> RegionList =>
        Regions.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
}
