using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Client;

namespace Grpc.Mrk.Bench;

/// <summary>
/// One principal's credentials for both protocols, so they are measured as the same caller under the same key policy:
/// an API key for gRPC and an access key for the AWS JSON protocol. MRK_API_KEY, MRK_AWS_ACCESS_KEY_ID and
/// MRK_AWS_SECRET_ACCESS_KEY give them; otherwise a new principal "mrk-bench-..." and its keys are made through the
/// principal admin API (which the local cluster's insecure mode lets anyone call).
/// </summary>
public sealed record BenchCredentials(string ApiKey, string AccessKeyId, string SecretAccessKey)
{
    public static async Task<BenchCredentials> ObtainAsync(MrkClient admin)
    {
        if (Environment.GetEnvironmentVariable("MRK_API_KEY") is { Length: > 0 } apiKey
            && Environment.GetEnvironmentVariable("MRK_AWS_ACCESS_KEY_ID") is { Length: > 0 } id
            && Environment.GetEnvironmentVariable("MRK_AWS_SECRET_ACCESS_KEY") is { Length: > 0 } secret)
        {
            return new BenchCredentials(apiKey, id, secret);
        }

        var principal = (PrincipalEntry)await admin.InvokeAsync(PrincipalAdmin.Descriptor.FindMethodByName("CreatePrincipal"),
            new CreatePrincipalRequest { Name = $"mrk-bench-{Guid.NewGuid():N}"[..18] }).ConfigureAwait(false);
        var token = (CreateApiKeyResponse)await admin.InvokeAsync(PrincipalAdmin.Descriptor.FindMethodByName("CreateApiKey"),
            new CreateApiKeyRequest { PrincipalArn = principal.Arn }).ConfigureAwait(false);
        var access = (CreateAccessKeyResponse)await admin.InvokeAsync(PrincipalAdmin.Descriptor.FindMethodByName("CreateAccessKey"),
            new CreateAccessKeyRequest { PrincipalArn = principal.Arn }).ConfigureAwait(false);
        return new BenchCredentials(token.Token, access.AccessKeyId, access.SecretAccessKey);
    }
}
