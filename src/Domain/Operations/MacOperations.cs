using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>GenerateMac and VerifyMac with HMAC keys.</summary>
public sealed class MacOperations(KeyResolver resolver, KeyMaterials materials, IMacEngine mac)
{
    public const int MaxMessageLength = 4096;
    public const int MaxMacLength = 6144;

    public async Task<MacResult> GenerateMacAsync(Caller caller, byte[] message, string keyId, MacAlgorithm? algorithm,
        IReadOnlyCollection<string> grantTokens, CancellationToken cancellationToken)
    {
        var (key, alg) = await PrepareAsync(caller, message, keyId, algorithm, grantTokens, KeyOperation.GenerateMac, cancellationToken)
            .ConfigureAwait(false);
        var value = materials.Use(key, key.CurrentMaterial, m => mac.Compute(alg, m, message));
        return new MacResult(key.Arn, value, alg);
    }

    public async Task<MacResult> VerifyMacAsync(Caller caller, byte[] message, string keyId, MacAlgorithm? algorithm, byte[] expectedMac,
        IReadOnlyCollection<string> grantTokens, CancellationToken cancellationToken)
    {
        ParameterChecks.Length(expectedMac, "mac", 1, MaxMacLength);
        var (key, alg) = await PrepareAsync(caller, message, keyId, algorithm, grantTokens, KeyOperation.VerifyMac, cancellationToken)
            .ConfigureAwait(false);
        var valid = materials.Use(key, key.CurrentMaterial, m => mac.Verify(alg, m, message, expectedMac));
        return valid ? new MacResult(key.Arn, expectedMac, alg) : throw KmsErrors.InvalidMac();
    }

    private async Task<(KmsKey Key, MacAlgorithm Algorithm)> PrepareAsync(Caller caller, byte[] message, string keyId, MacAlgorithm? algorithm,
        IReadOnlyCollection<string> grantTokens, KeyOperation operation, CancellationToken cancellationToken)
    {
        ParameterChecks.Length(message, "message", 1, MaxMessageLength);
        ParameterChecks.GrantTokens(grantTokens);
        var alg = algorithm ?? throw KmsErrors.Constraint("macAlgorithm", "Member must not be null");
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, operation.ToString(), ConditionKeys.One("kms:MacAlgorithm", alg)), cancellationToken)
            .ConfigureAwait(false);
        key.Require(operation);
        key.RequireUsage(KeyUsage.GENERATE_VERIFY_MAC, operation.ToString());
        if (!key.SpecInfo.MacAlgorithmsFor(key.KeyUsage).Contains(alg))
        {
            throw KmsErrors.InvalidKeyUsage($"Algorithm {alg} is incompatible with key spec {key.KeySpec}.");
        }

        return (key, alg);
    }
}
