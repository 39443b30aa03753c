using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Cluster;

/// <summary>Where the bootstrap command puts each certificate and key under the certificates folder.</summary>
public sealed class ClusterLayout(string root)
{
    public string Root { get; } = root;

    public string AuthorityCertificate => Path.Combine(Root, "ca.crt");

    public string AuthorityKey => Path.Combine(Root, "ca.key");

    public string ControlPlaneCertificate => Path.Combine(Root, "controlplane", "tls.crt");

    public string ControlPlaneKey => Path.Combine(Root, "controlplane", "tls.key");

    /// <summary>The replicated relay log's certificate: its NATS servers' and the ControlPlanes' connections to them.</summary>
    public string RelayLogCertificate => Path.Combine(Root, "relay-log", "tls.crt");

    public string RelayLogKey => Path.Combine(Root, "relay-log", "tls.key");

    public string OperatorCertificate => Path.Combine(Root, "operator", "tls.crt");

    public string OperatorKey => Path.Combine(Root, "operator", "tls.key");

    public string RegionCertificate(string region) => Path.Combine(Root, "regions", region, "tls.crt");

    public string RegionKey(string region) => Path.Combine(Root, "regions", region, "tls.key");

    public string SigningCertificate(string region) => Path.Combine(Root, "regions", region, "signing.crt");

    public string SigningKey(string region) => Path.Combine(Root, "regions", region, "signing.key");

    /// <summary>The Regions that have a folder with a replication signing certificate (not checked here).</summary>
    public IReadOnlyList<string> Regions()
    {
        var folder = Path.Combine(Root, "regions");
        return Directory.Exists(folder)
            ? Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>().Where(r => File.Exists(SigningCertificate(r))).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>A caller's client certificate: clients/&lt;user|role&gt;-&lt;name&gt;/tls.crt.</summary>
    public string ClientCertificate(ClusterRole role, string name) => Path.Combine(Root, "clients", $"{PeerIdentity.OrganizationalUnit(role)}-{name}", "tls.crt");

    public string ClientKey(ClusterRole role, string name) => Path.Combine(Root, "clients", $"{PeerIdentity.OrganizationalUnit(role)}-{name}", "tls.key");
}
