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
}
