namespace Grpc.Mrk.Client;

public sealed class MrkClientOptions
{
    /// <summary>Deadline of each attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Further attempts after a transient failure (UNAVAILABLE: the node could not be reached).</summary>
    public int MaxRetries { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Further attempts after a call was throttled (ThrottlingException: over a request quota, nothing done), with
    /// jittered exponential back-off from <see cref="ThrottleRetryDelay"/>, never sooner than the server asked. 0: the
    /// caller sees the first ThrottlingException.
    /// </summary>
    public int MaxThrottleRetries { get; set; } = 4;

    public TimeSpan ThrottleRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// PEM file of the CA that issued the node's TLS certificate (for example the cluster's ca.crt). When set, only
    /// that CA is trusted for https:// endpoints; when not, the system's trust store is used.
    /// </summary>
    public string? CertificateAuthorityFile { get; set; }

    /// <summary>
    /// The Region the endpoint serves. With <see cref="CertificateAuthorityFile"/>, the server must present that Region's
    /// certificate: another Region's (which names the same loopback addresses), the ControlPlane's, or a client
    /// certificate of the same CA is refused. Without it, any Region's or the ControlPlane's certificate is accepted.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>An API key ("mrk_..."), sent with every call as "authorization: Bearer &lt;key&gt;".</summary>
    public string? ApiKey { get; set; }

    /// <summary>A client certificate (with its private key) presented on TLS connections, for principals that authenticate by certificate.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; set; }

    /// <summary>
    /// Other Regions of the cluster, in the order to try them when the preferred endpoint is unreachable (after its
    /// retries). Only read-only and cryptographic calls fail over; multi-Region key ARNs are rewritten to the Region
    /// called. Empty: no failover.
    /// </summary>
    public IList<MrkRegionEndpoint> Failover { get; } = [];
}
