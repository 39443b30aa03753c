using Amazon.KeyManagementService;
using Amazon.Runtime;
using Grpc.Mrk.Identity;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>The AWS SDK for .NET's KMS client, pointed at one Region's node and trusting the cluster CA, without retries unless asked.</summary>
public static class AwsKms
{
    /// <summary>Credentials the insecure local mode takes as the account's root (it accepts any signature).</summary>
    public static readonly BasicAWSCredentials AnyCredentials = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    public static AmazonKeyManagementServiceClient Client(RegionNodeProcess node, AWSCredentials? credentials = null, int retries = 0) =>
        new(credentials ?? AnyCredentials, new AmazonKeyManagementServiceConfig
        {
            ServiceURL = node.Endpoint.ToString(),
            AuthenticationRegion = node.Region,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = retries,
            Timeout = TimeSpan.FromSeconds(30),
            HttpClientFactory = new TrustingFactory(node.CertificateAuthority
                                                    ?? throw new InvalidOperationException("The AWS SDKs need the node to serve TLS."), node.Region),
        });

    private sealed class TrustingFactory(string authority, string region) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(ClusterHandlers.Create(null, ClusterHandlers.Server(CertificateFiles.LoadCertificate(authority), region)));
    }
}
