namespace Grpc.Mrk.Cluster;

/// <summary>
/// Creates what is missing of the cluster's PKI: the CA (once), the ControlPlane's and an operator's TLS certificates,
/// and for each Region a TLS certificate and a replication signing certificate. Never overwrites an existing file, so
/// running it again with a new Region adds only that Region.
/// </summary>
public static class ClusterBootstrap
{
    public static IReadOnlyList<string> Run(ClusterLayout layout, IEnumerable<string> regions, IEnumerable<string> hostNames, TimeProvider time)
    {
        var created = new List<string>();
        var now = time.GetUtcNow();
        var hosts = hostNames.ToList();
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

            using var certificate = ClusterPki.Issue(authority, role, name, hosts, now);
            ClusterPki.Write(certificate, certificatePath, keyPath);
            created.Add(certificatePath);
        }

        IssueIfMissing(ClusterRole.ControlPlane, "controlplane", layout.ControlPlaneCertificate, layout.ControlPlaneKey);
        IssueIfMissing(ClusterRole.Operator, "operator", layout.OperatorCertificate, layout.OperatorKey);
        foreach (var region in regions)
        {
            IssueIfMissing(ClusterRole.Region, region, layout.RegionCertificate(region), layout.RegionKey(region));
            IssueIfMissing(ClusterRole.ReplicationSigning, region, layout.SigningCertificate(region), layout.SigningKey(region));
        }

        return created;
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
