using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Creates what is missing of the cluster's PKI: the CA (once), the ControlPlane's, the relay log's and an operator's TLS certificates,
/// and for each Region a TLS certificate and a replication signing certificate. Never overwrites an existing file, so
/// running it again with a new Region adds only that Region. Host names are given per identity ("us-east-1=kms-east.example.com",
/// "controlplane=cp.example.com"); a bare name counts for the identity of that name (the compose testbed's service names),
/// so each certificate names only its own hosts.
/// </summary>
public static class ClusterBootstrap
{
    public const string ControlPlaneName = "controlplane";

    public const string RelayLogName = "relay-log";

    public static IReadOnlyList<string> Run(ClusterLayout layout, IEnumerable<string> regions, IEnumerable<string> hostNames, TimeProvider time,
        Action<string>? progress = null)
    {
        var created = new List<string>();
        var now = time.GetUtcNow();
        var regionList = regions.ToList();
        var hostsOf = HostsByIdentity(hostNames, regionList);
        if (!File.Exists(layout.AuthorityCertificate))
        {
            using var fresh = ClusterPki.CreateAuthority("Grpc.Mrk cluster", now);
            ClusterPki.Write(fresh, layout.AuthorityCertificate, layout.AuthorityKey);
            created.Add(layout.AuthorityCertificate);
        }

        using var authority = ClusterPki.Load(layout.AuthorityCertificate, layout.AuthorityKey);
        void IssueIfMissing(ClusterRole role, string name, string certificatePath, string keyPath)
        {
            if (File.Exists(certificatePath))
            {
                return;
            }

            using var certificate = ClusterPki.Issue(authority, role, name, hostsOf.TryGetValue(name, out var own) ? own : [], now);
            ClusterPki.Write(certificate, certificatePath, keyPath);
            created.Add(certificatePath);
        }

        IssueIfMissing(ClusterRole.ControlPlane, ControlPlaneName, layout.ControlPlaneCertificate, layout.ControlPlaneKey);
        IssueIfMissing(ClusterRole.Operator, "operator", layout.OperatorCertificate, layout.OperatorKey);
        IssueIfMissing(ClusterRole.RelayLog, RelayLogName, layout.RelayLogCertificate, layout.RelayLogKey);
        foreach (var (region, index) in regionList.Select((r, i) => (r, i)))
        {
            progress?.Invoke($"{index}/{regionList.Count} Regions ({region} next)");
            IssueIfMissing(ClusterRole.Region, region, layout.RegionCertificate(region), layout.RegionKey(region));
            IssueIfMissing(ClusterRole.ReplicationSigning, region, layout.SigningCertificate(region), layout.SigningKey(region));
        }

        return created;
    }

    /// <summary>
    /// The host names of each identity: "identity=host" entries, and bare entries naming an identity themselves.
    /// Anything else is refused, since a host name on every certificate would let any of them stand in for the others.
    /// </summary>
    public static Dictionary<string, List<string>> HostsByIdentity(IEnumerable<string> hostNames, IReadOnlyCollection<string> regions)
    {
        var identities = regions.Append(ControlPlaneName).Append(RelayLogName).ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var entry in hostNames.Select(h => h.Trim()).Where(h => h.Length > 0))
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            var (identity, host) = separator < 0 ? (entry, entry) : (entry[..separator], entry[(separator + 1)..]);
            if (!identities.Contains(identity) || host.Length == 0)
            {
                throw new ArgumentException(
                    $"Host '{entry}' names no identity of this cluster: write it as <identity>=<host>, where the identity is "
                    + $"{ControlPlaneName}, {RelayLogName} or one of the Regions ({string.Join(", ", regions)}).");
            }

            if (!result.TryGetValue(identity, out var list))
            {
                result[identity] = list = [];
            }

            list.Add(host);
        }

        return result;
    }

    /// <summary>
    /// Issues a client certificate for a caller of the key API (<paramref name="role"/> User or Role, CN = name): whoever
    /// presents it is arn:...:user/&lt;name&gt; or role/&lt;name&gt; in every Region that trusts this CA. Never overwrites.
    /// </summary>
    public static (string Certificate, string Key, bool Created) IssueClient(ClusterLayout layout, ClusterRole role, string name, TimeProvider time)
    {
        if (role is not (ClusterRole.User or ClusterRole.Role))
        {
            throw new ArgumentOutOfRangeException(nameof(role), role, "client certificates are for users and roles");
        }

        var (certificatePath, keyPath) = (layout.ClientCertificate(role, name), layout.ClientKey(role, name));
        if (File.Exists(certificatePath))
        {
            return (certificatePath, keyPath, false);
        }

        using var authority = ClusterPki.Load(layout.AuthorityCertificate, layout.AuthorityKey);
        using var certificate = ClusterPki.Issue(authority, role, name, [], time.GetUtcNow());
        ClusterPki.Write(certificate, certificatePath, keyPath);
        return (certificatePath, keyPath, true);
    }
}
