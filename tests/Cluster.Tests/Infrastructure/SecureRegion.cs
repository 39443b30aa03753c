using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Client;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>One RegionNode over TLS that requires credentials, with an operator client for its principal admin API.</summary>
public sealed class SecureRegion : IAsyncDisposable
{
    public const string Region = "us-east-1";
    private readonly X509Certificate2 _operatorCertificate;

    private SecureRegion(ClusterLayout layout, RegionNodeProcess node)
    {
        Layout = layout;
        Node = node;
        _operatorCertificate = ClusterPki.Load(layout.OperatorCertificate, layout.OperatorKey);
        Admin = Client(certificate: _operatorCertificate);
    }

    public ClusterLayout Layout { get; }

    public RegionNodeProcess Node { get; }

    public MrkClient Admin { get; }

    public static async Task<SecureRegion> StartAsync(string folder, ITestOutputHelper? output, IReadOnlyDictionary<string, string>? environment = null)
    {
        var layout = new ClusterLayout(Path.Combine(folder, "certs"));
        var node = await RegionNodeProcess.StartOverTlsAsync(folder, output, Region, anonymous: false, extra: ["--cluster-certs", layout.Root],
            environment: environment).ConfigureAwait(false);
        return new SecureRegion(layout, node);
    }

    public MrkClient Client(string? apiKey = null, X509Certificate2? certificate = null) =>
        new(Node.Endpoint, new MrkClientOptions
        {
            CertificateAuthorityFile = Layout.AuthorityCertificate, ApiKey = apiKey, ClientCertificate = certificate, MaxRetries = 0,
        });

    public Task<IMessage> AdminAsync(string method, IMessage request) =>
        Admin.InvokeAsync(PrincipalAdmin.Descriptor.Methods.Single(m => m.Name == method), request).WithTimeout();

    /// <summary>Creates the user <paramref name="name"/> and an API key for it; returns its ARN and a client using the key.</summary>
    public async Task<(string Arn, CreateApiKeyResponse Key, MrkClient Client)> UserAsync(string name)
    {
        var principal = (PrincipalEntry)await AdminAsync("CreatePrincipal", new CreatePrincipalRequest { Name = name }).ConfigureAwait(false);
        var key = (CreateApiKeyResponse)await AdminAsync("CreateApiKey", new CreateApiKeyRequest { PrincipalArn = principal.Arn }).ConfigureAwait(false);
        return (principal.Arn, key, Client(key.Token));
    }

    public static string Policy(params string[] statements) =>
        $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", statements)}}]}""";

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        _operatorCertificate.Dispose();
        await Node.DisposeAsync().ConfigureAwait(false);
    }
}
