using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.RegionNode.UnitTests.Cluster;

/// <summary>An operator's break-glass order holds only as signed, by an operator of this cluster, for that key, epoch and pair of Regions.</summary>
public sealed class BreakGlassOrdersTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AnOrder_HoldsOnlyAsAnOperatorOfThisClusterSignedIt()
    {
        using var authority = ClusterPki.CreateAuthority("test", Now.AddDays(-1));
        using var operatorCertificate = ClusterPki.Issue(authority, ClusterRole.Operator, "operator", [], Now.AddDays(-1));
        using var userCertificate = ClusterPki.Issue(authority, ClusterRole.User, "mallory", [], Now.AddDays(-1));
        using var otherAuthority = ClusterPki.CreateAuthority("other", Now.AddDays(-1));
        using var otherOperator = ClusterPki.Issue(otherAuthority, ClusterRole.Operator, "operator", [], Now.AddDays(-1));
        using var publicAuthority = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(authority.RawData);

        string? Problem(System.Security.Cryptography.X509Certificates.X509Certificate2 signer, long epoch = 2, string reason = "lost",
            string keyId = "mrk-1", DateTimeOffset? issuedAt = null, byte[]? signature = null)
        {
            using var key = signer.GetECDsaPrivateKey()!;
            var at = issuedAt ?? Now;
            return BreakGlassOrders.Problem(publicAuthority, keyId, epoch, "us-east-1", "eu-west-1", reason, at, signer.RawData,
                signature ?? BreakGlassOrders.Sign(key, "mrk-1", 2, "us-east-1", "eu-west-1", "lost", Now));
        }

        Assert.Null(Problem(operatorCertificate));
        // An order made while the certificate was valid holds after it expires (a Region away for years follows it then);
        // one dated after the expiry does not.
        Assert.Contains("not the cluster's", Problem(operatorCertificate, issuedAt: Now.AddDays(900), signature: BreakGlassOrders.Sign(
            operatorCertificate.GetECDsaPrivateKey()!, "mrk-1", 2, "us-east-1", "eu-west-1", "lost", Now.AddDays(900))));

        Assert.Contains("not an operator's", Problem(userCertificate));
        Assert.Contains("not the cluster's", Problem(otherOperator));
        // Any field changed after signing: another epoch (a replay later), key, reason or time.
        Assert.Contains("signature does not match", Problem(operatorCertificate, epoch: 3));
        Assert.Contains("signature does not match", Problem(operatorCertificate, keyId: "mrk-2"));
        Assert.Contains("signature does not match", Problem(operatorCertificate, reason: "drill"));
        Assert.Contains("signature does not match", Problem(operatorCertificate, issuedAt: Now.AddSeconds(1)));
        Assert.Contains("signature does not match", Problem(operatorCertificate, signature: RandomNumberGenerator.GetBytes(104)));
        Assert.Contains("reason", Problem(operatorCertificate, reason: ""));
        Assert.Contains("not a certificate", BreakGlassOrders.Problem(publicAuthority, "mrk-1", 2, "us-east-1", "eu-west-1", "lost", Now, [1, 2, 3], [4]));
    }
}
