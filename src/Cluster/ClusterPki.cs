using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// The cluster's certificate authority and the certificates it issues, all ECDSA P-384, made with the runtime's
/// X.509 support. Files are PEM; private keys are written with mode 0600.
/// </summary>
public static class ClusterPki
{
    public static readonly TimeSpan AuthorityLifetime = TimeSpan.FromDays(3650);
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(825);

    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public static X509Certificate2 CreateAuthority(string clusterName, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={clusterName} CA, O={PeerIdentity.Organization}"), key,
            HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.Add(AuthorityLifetime));
    }

    /// <summary>
    /// A certificate for <paramref name="role"/>/<paramref name="name"/> signed by <paramref name="authority"/> (which
    /// must hold its private key). Each names one identity (its role and name, also as a URI SAN) and only what it is
    /// for: a Region's serves TLS (serverAuth, its own host names plus loopback) and calls the ControlPlane
    /// (clientAuth); the ControlPlane's serves TLS only; user, role and operator certificates are client certificates
    /// (clientAuth, no host names), so none of them can stand in for a server; the replication signing role gets
    /// digitalSignature only; the relay log's both serves (NATS servers, to each other and to the ControlPlanes) and calls
    /// (the ControlPlanes' connections to those servers), and no gRPC method admits it.
    /// </summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, ClusterRole role, string name, IEnumerable<string> hostNames,
        DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest(PeerIdentity.Subject(role, name), key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        if (role == ClusterRole.ReplicationSigning)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        }
        else
        {
            var serves = role is ClusterRole.Region or ClusterRole.ControlPlane or ClusterRole.RelayLog;
            var calls = role is not ClusterRole.ControlPlane;
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
            var usages = new OidCollection();
            if (serves)
            {
                usages.Add(new Oid(ServerAuthentication));
            }

            if (calls)
            {
                usages.Add(new Oid(ClientAuthentication));
            }

            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
            var names = new SubjectAlternativeNameBuilder();
            if (serves)
            {
                // Loopback stays on every server certificate so a cluster on one machine works; clients of the cluster
                // tell its servers apart by the identity, not the host (MrkClientOptions.Region).
                foreach (var host in hostNames.Append("localhost").Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    if (IPAddress.TryParse(host, out var address))
                    {
                        names.AddIpAddress(address);
                    }
                    else
                    {
                        names.AddDnsName(host);
                    }
                }

                names.AddIpAddress(IPAddress.Loopback);
                names.AddIpAddress(IPAddress.IPv6Loopback);
            }

            names.AddUri(new Uri($"urn:grpc-mrk:{PeerIdentity.OrganizationalUnit(role)}:{name}"));
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var notAfter = now.Add(LeafLifetime) < authority.NotAfter ? now.Add(LeafLifetime) : new DateTimeOffset(authority.NotAfter);
        using var unsigned = request.Create(authority, now.AddMinutes(-5), notAfter, serial);
        return unsigned.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate (PEM) and, when it has one, its private key (PKCS#8 PEM, mode 0600).</summary>
    public static void Write(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(certificatePath))!);
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the certificate has no private key");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(new FileStream(keyPath, options));
        writer.Write(key.ExportPkcs8PrivateKeyPem());
    }

    public static X509Certificate2 Load(string certificatePath, string keyPath) =>
        X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
}
