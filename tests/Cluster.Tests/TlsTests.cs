using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.Identity;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>The public API over TLS with certificates from `mrk cluster bootstrap`; plaintext only when asked, on loopback.</summary>
public sealed class TlsTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Https_WithClusterCertificate_TrustedCaWorks_OtherTrustRefused()
    {
        var certificates = _directory.Sub("certs");
        await MrkCliBootstrapAsync(certificates, "us-east-1");
        var layout = new ClusterLayout(certificates);
        await using var node = await RegionNodeProcess.StartAsync(_directory.Sub("node"), output, transport:
            ["--urls", "https://127.0.0.1:0", "--tls-cert", layout.RegionCertificate("us-east-1"), "--tls-key", layout.RegionKey("us-east-1")]);
        Assert.Equal("https", node.Endpoint.Scheme);

        using (var trusted = new MrkClient(node.Endpoint, new MrkClientOptions { CertificateAuthorityFile = layout.AuthorityCertificate, MaxRetries = 0 }))
        {
            var key = await trusted.CreateKeyAsync(new CreateKeyRequest()).WithTimeout();
            var encrypted = await trusted.EncryptAsync(new EncryptRequest { KeyId = key.KeyMetadata.KeyId, Plaintext = ByteString.CopyFromUtf8("tls") }).WithTimeout();
            Assert.False(encrypted.CiphertextBlob.IsEmpty);
        }

        using (var systemTrust = new MrkClient(node.Endpoint, new MrkClientOptions { MaxRetries = 0 }))
        {
            var error = await Assert.ThrowsAsync<MrkException>(() => systemTrust.DescribeKeyAsync("alias/x").WithTimeout());
            Assert.Equal(MrkErrors.SslValidationFailed, error.ErrorCode);
        }

        var other = _directory.Sub("other-certs");
        ClusterBootstrap.Run(new ClusterLayout(other), ["us-east-1"], [], TimeProvider.System);
        using (var otherTrust = new MrkClient(node.Endpoint, new MrkClientOptions { CertificateAuthorityFile = new ClusterLayout(other).AuthorityCertificate, MaxRetries = 0 }))
        {
            var error = await Assert.ThrowsAsync<MrkException>(() => otherTrust.DescribeKeyAsync("alias/x").WithTimeout());
            Assert.Equal(MrkErrors.SslValidationFailed, error.ErrorCode);
        }

        var (exitCode, stdout, stderr) = await MrkCli.RunAsync(node, _directory.Path, "--ca-bundle", layout.AuthorityCertificate, "generate-random",
            "--number-of-bytes", "8", "--query", "Plaintext", "--output", "text");
        Assert.True(exitCode == 0, stderr);
        Assert.Equal(8, Convert.FromBase64String(stdout.Trim()).Length);
    }

    [Fact]
    public async Task Https_WithoutCertificate_Refused()
    {
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("node"), "us-east-1", ["--urls", "https://127.0.0.1:0"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("--tls-cert", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--test-mode", "Test mode is refused")]
    [InlineData("--insecure-allow-anonymous", "Insecure anonymous mode is refused")]
    public async Task LoopbackOnlyModes_OnNonLoopbackTlsAddress_Refused(string flag, string refusal)
    {
        var certificates = _directory.Sub("certs");
        ClusterBootstrap.Run(new ClusterLayout(certificates), ["us-east-1"], [], TimeProvider.System);
        var layout = new ClusterLayout(certificates);
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("node"), "us-east-1",
            ["--urls", "https://0.0.0.0:0", "--tls-cert", layout.RegionCertificate("us-east-1"), "--tls-key", layout.RegionKey("us-east-1"), flag, "true"]);
        Assert.Equal(2, exitCode);
        Assert.Contains(refusal, log, StringComparison.Ordinal);
    }

    private static async Task MrkCliBootstrapAsync(string folder, string region)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { RepoPaths.CliDll, "cluster", "bootstrap", "--out", folder, "--regions", $"{region},ap-southeast-2", "--hosts", $"{region}=kms.test,{region}=10.9.8.7" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout();
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Contains("ca.crt", await stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(new ClusterLayout(folder).RegionCertificate("ap-southeast-2")), "comma-separated Regions are each issued");

        // Each certificate names only its own hosts.
        string Names(string path)
        {
            using var certificate = CertificateFiles.LoadCertificate(path);
            return certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().Single().Format(false);
        }

        Assert.Contains("kms.test", Names(new ClusterLayout(folder).RegionCertificate(region)), StringComparison.Ordinal);
        Assert.DoesNotContain("kms.test", Names(new ClusterLayout(folder).RegionCertificate("ap-southeast-2")), StringComparison.Ordinal);
        Assert.DoesNotContain("kms.test", Names(new ClusterLayout(folder).ControlPlaneCertificate), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientsCheckWhoServes_AnotherRegionsCertificateOrAClientCertificateIsRefused()
    {
        var layout = new ClusterLayout(_directory.Sub("certs"));
        ClusterBootstrap.Run(layout, ["us-east-1", "eu-west-1"], [], TimeProvider.System);
        var user = ClusterBootstrap.IssueClient(layout, ClusterRole.User, "mallory", TimeProvider.System);

        // A node refuses to serve a certificate that is not its own Region's, or not a server certificate at all.
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("wrong"), "us-east-1",
            ["--urls", "https://127.0.0.1:0", "--tls-cert", layout.RegionCertificate("eu-west-1"), "--tls-key", layout.RegionKey("eu-west-1")]);
        Assert.Equal(2, exitCode);
        Assert.Contains("not of Region us-east-1", log, StringComparison.Ordinal);
        (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("user"), "us-east-1",
            ["--urls", "https://127.0.0.1:0", "--tls-cert", user.Certificate, "--tls-key", user.Key]);
        Assert.Equal(2, exitCode);
        Assert.Contains("not a server certificate", log, StringComparison.Ordinal);

        // A client sent to the wrong server (here eu-west-1's, on the same loopback address as every Region) while it asks
        // for us-east-1 refuses it.
        await using (var impostor = await RegionNodeProcess.StartAsync(_directory.Sub("impostor"), output, "eu-west-1", transport:
            ["--urls", "https://127.0.0.1:0", "--tls-cert", layout.RegionCertificate("eu-west-1"), "--tls-key", layout.RegionKey("eu-west-1")]))
        {
            using var askingForEast = new MrkClient(impostor.Endpoint,
                new MrkClientOptions { CertificateAuthorityFile = layout.AuthorityCertificate, Region = "us-east-1", MaxRetries = 0 });
            Assert.Equal(MrkErrors.SslValidationFailed,
                (await Assert.ThrowsAsync<MrkException>(() => askingForEast.DescribeKeyAsync("alias/x").WithTimeout())).ErrorCode);
            using var askingForWest = new MrkClient(impostor.Endpoint,
                new MrkClientOptions { CertificateAuthorityFile = layout.AuthorityCertificate, Region = "eu-west-1", MaxRetries = 0 });
            Assert.Equal("SERVING", await askingForWest.CheckHealthAsync().WithTimeout());

            // The CLI asks for the Region it was given, and refuses the same server.
            var (cliExit, _, stderr) = await MrkCli.RunAsync(impostor, _directory.Path, "--region", "us-east-1", "--ca-bundle", layout.AuthorityCertificate,
                "generate-random", "--number-of-bytes", "8");
            Assert.NotEqual(0, cliExit);
            Assert.Contains("certificate", stderr, StringComparison.OrdinalIgnoreCase);
        }

        // User, role and operator certificates are client certificates only.
        using var certificate = CertificateFiles.LoadCertificate(user.Certificate);
        var usages = certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages;
        Assert.Equal([ClusterPki.ClientAuthentication], usages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value));
    }
}
