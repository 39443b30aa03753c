using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>
/// Who signed a request of the AWS JSON front: the principal of the access key whose secret verifies its Signature
/// Version 4. An unknown or revoked access key is UnrecognizedClientException; everything else AWS refuses is
/// refused by <see cref="SigV4Verifier"/>. The unwrapped secret lives only for the check.
/// </summary>
public sealed class AwsSignatureAuthentication(SigV4Verifier verifier, AccessKeyOperations accessKeys)
{
    public async Task<Principal> AuthenticateAsync(SignedRequest request, CancellationToken cancellationToken)
    {
        var claim = verifier.Parse(request);
        var (principal, secret) = await accessKeys.SecretOfAsync(claim.AccessKeyId, cancellationToken).ConfigureAwait(false)
                                  ?? throw KmsErrors.UnrecognizedClient();
        try
        {
            verifier.Verify(claim, request, secret);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }

        return principal;
    }
}
