using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Cluster;

public sealed class ClusterPkiTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("mrk-pki-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void Bootstrap_CreatesEveryFile_KeysOwnerOnly_AndIsIdempotent()
    {
        var layout = new ClusterLayout(_folder.FullName);
        var created = ClusterBootstrap.Run(layout, ["us-east-1", "eu-west-1"], [], new FakeTimeProvider(Now));
        Assert.Equal(8, created.Count); // CA, ControlPlane, operator, relay log, and a TLS and a signing certificate per Region
        foreach (var key in new[]
                 {
                     layout.AuthorityKey, layout.ControlPlaneKey, layout.OperatorKey, layout.RelayLogKey, layout.RegionKey("us-east-1"),
                     layout.SigningKey("eu-west-1"),
                 })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        var before = File.ReadAllText(layout.RegionCertificate("us-east-1"));
        var again = ClusterBootstrap.Run(layout, ["us-east-1", "eu-west-1", "ap-southeast-2"], [], new FakeTimeProvider(Now));
        Assert.Equal(2, again.Count);
        Assert.Equal(before, File.ReadAllText(layout.RegionCertificate("us-east-1")));
    }

    [Fact]
    public void Trust_IssuedCertificates_NameTheirRoleAndRegion()
    {
        var layout = new ClusterLayout(_folder.FullName);
        ClusterBootstrap.Run(layout, ["us-east-1"], ["us-east-1=kms.example.internal"], new FakeTimeProvider(Now));
        var trust = new ClusterTrust(CertificateFiles.LoadCertificate(layout.AuthorityCertificate), new FakeTimeProvider(Now.AddDays(1)));
        using var region = ClusterPki.Load(layout.RegionCertificate("us-east-1"), layout.RegionKey("us-east-1"));
        var (identity, reason) = trust.Check(region, null, ClusterRole.Region);
        Assert.Equal(new PeerIdentity(ClusterRole.Region, "us-east-1"), identity);
        Assert.Equal("ok", reason);
        Assert.Contains("kms.example.internal", region.GetNameInfo(X509NameType.DnsName, false) + string.Join(",",
            region.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())), StringComparison.Ordinal);

        using var controlPlane = ClusterPki.Load(layout.ControlPlaneCertificate, layout.ControlPlaneKey);
        Assert.Null(trust.Check(controlPlane, null, ClusterRole.Region).Identity);
        // Each certificate names only its own hosts; a host that names no identity is refused outright.
        Assert.DoesNotContain("kms.example.internal",
            controlPlane.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()));
        Assert.Throws<ArgumentException>(() => ClusterBootstrap.Run(new ClusterLayout(Path.Combine(_folder.FullName, "shared-host")), ["us-east-1"],
            ["kms.example.internal"], new FakeTimeProvider(Now)));
        Assert.Equal(ClusterRole.ControlPlane, trust.Check(controlPlane, null, ClusterRole.ControlPlane).Identity!.Role);
        using var signing = ClusterPki.Load(layout.SigningCertificate("us-east-1"), layout.SigningKey("us-east-1"));
        Assert.Null(trust.Check(signing, null, ClusterRole.Region).Identity);

        // The relay log's certificate serves its NATS servers and is their clients' (both usages), and is nobody else.
        using var relayLog = ClusterPki.Load(layout.RelayLogCertificate, layout.RelayLogKey);
        Assert.Equal(new PeerIdentity(ClusterRole.RelayLog, ClusterBootstrap.RelayLogName), trust.Check(relayLog, null, ClusterRole.RelayLog).Identity);
        Assert.Null(trust.Check(relayLog, null, ClusterRole.Region, ClusterRole.ControlPlane, ClusterRole.Operator, ClusterRole.User, ClusterRole.Role).Identity);
        var usages = relayLog.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()
            .Select(o => o.Value).ToList();
        Assert.Equal([ClusterPki.ServerAuthentication, ClusterPki.ClientAuthentication], usages);
    }

    [Fact]
    public void Trust_CertificateFromAnotherCa_Refused()
    {
        var ours = new ClusterLayout(Path.Combine(_folder.FullName, "ours"));
        var theirs = new ClusterLayout(Path.Combine(_folder.FullName, "theirs"));
        ClusterBootstrap.Run(ours, ["us-east-1"], [], new FakeTimeProvider(Now));
        ClusterBootstrap.Run(theirs, ["us-east-1"], [], new FakeTimeProvider(Now));
        var trust = new ClusterTrust(CertificateFiles.LoadCertificate(ours.AuthorityCertificate), new FakeTimeProvider(Now.AddDays(1)));
        using var impostor = ClusterPki.Load(theirs.RegionCertificate("us-east-1"), theirs.RegionKey("us-east-1"));
        var (identity, reason) = trust.Check(impostor, null, ClusterRole.Region);
        Assert.Null(identity);
        Assert.Contains("not issued by the trusted CA", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Trust_ExpiredCertificate_Refused()
    {
        var layout = new ClusterLayout(_folder.FullName);
        ClusterBootstrap.Run(layout, ["us-east-1"], [], new FakeTimeProvider(Now));
        var trust = new ClusterTrust(CertificateFiles.LoadCertificate(layout.AuthorityCertificate), new FakeTimeProvider(Now.AddDays(900)));
        using var region = ClusterPki.Load(layout.RegionCertificate("us-east-1"), layout.RegionKey("us-east-1"));
        Assert.Null(trust.Check(region, null, ClusterRole.Region).Identity);
    }

    [Fact]
    public void PeerIdentity_ForeignSubject_Null()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest("CN=us-east-1, OU=region, O=Someone Else", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(Now, Now.AddDays(1));
        Assert.Null(PeerIdentity.Of(certificate));
    }
}
