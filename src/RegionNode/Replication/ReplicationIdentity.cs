using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.RegionNode.Replication;

/// <summary>
/// This Region's place in the cluster PKI: its TLS client certificate for the ControlPlane, its replication signing
/// key, the cluster CA, and the other Regions' signing certificates (read from the certificates folder, checked
/// against the CA and their role before any is trusted).
/// </summary>
public sealed class ReplicationIdentity : IDisposable
{
    private readonly ClusterLayout _layout;
    private readonly ConcurrentDictionary<string, ECDsa> _peerKeys = new(StringComparer.Ordinal);

    public ReplicationIdentity(string certificatesFolder, string region, TimeProvider time)
    {
        _layout = new ClusterLayout(certificatesFolder);
        Region = region;
        Authority = CertificateFiles.LoadCertificate(_layout.AuthorityCertificate);
        Trust = new ClusterTrust(Authority, time);
        TlsCertificate = ClusterPki.Load(_layout.RegionCertificate(region), _layout.RegionKey(region));
        using var signing = ClusterPki.Load(_layout.SigningCertificate(region), _layout.SigningKey(region));
        var (identity, reason) = Trust.Check(signing, null, ClusterRole.ReplicationSigning);
        if (identity?.Name != region)
        {
            throw new InvalidOperationException($"The replication signing certificate of {region} is not usable: {reason}.");
        }

        SigningKey = signing.GetECDsaPrivateKey() ?? throw new InvalidOperationException("The replication signing certificate has no key.");
    }

    public string Region { get; }

    public X509Certificate2 Authority { get; }

    public ClusterTrust Trust { get; }

    public X509Certificate2 TlsCertificate { get; }

    public ECDsa SigningKey { get; }

    /// <summary>The public signing key of <paramref name="region"/>, or null when the folder has no valid one for it.</summary>
    public ECDsa? PeerSigningKey(string region)
    {
        if (_peerKeys.TryGetValue(region, out var known))
        {
            return known;
        }

        var path = _layout.SigningCertificate(region);
        if (!File.Exists(path))
        {
            return null;
        }

        using var certificate = CertificateFiles.LoadCertificate(path);
        var (identity, _) = Trust.Check(certificate, null, ClusterRole.ReplicationSigning);
        if (identity?.Name != region)
        {
            return null;
        }

        return _peerKeys.GetOrAdd(region, _ => certificate.GetECDsaPublicKey()!);
    }

    /// <summary>Every other Region whose replication signing certificate is in the folder and valid.</summary>
    public IReadOnlyList<string> PeerRegions() =>
        _layout.Regions().Where(r => r != Region && PeerSigningKey(r) is not null).ToList();

    public void Dispose()
    {
        TlsCertificate.Dispose();
        SigningKey.Dispose();
        foreach (var key in _peerKeys.Values)
        {
            key.Dispose();
        }
    }
}
