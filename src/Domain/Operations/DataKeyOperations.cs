using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Data keys and data key pairs for envelope encryption, plus GenerateRandom.</summary>
public sealed class DataKeyOperations(
    KeyResolver resolver,
    EncryptionOperations encryption,
    IAsymmetricEngine asymmetric,
    IRandomSource random,
    AccessControl accessControl,
    RequestThrottle throttle)
{
    public const int MaxRandomBytes = 1024;

    public async Task<DataKeyResult> GenerateDataKeyAsync(Caller caller, string keyId, IReadOnlyDictionary<string, string> context, int? numberOfBytes,
        DataKeySpec? keySpec, IReadOnlyCollection<string> grantTokens, KeyOperation operation, CancellationToken cancellationToken)
    {
        var length = DataKeyLength(numberOfBytes, keySpec);
        EncryptionContextRules.Validate(context, "encryptionContext");
        ParameterChecks.GrantTokens(grantTokens);
        var key = await ResolveSymmetricAsync(caller, keyId, operation, ConditionKeys.Encryption(context, EncryptionAlgorithm.SYMMETRIC_DEFAULT),
            cancellationToken).ConfigureAwait(false);
        var plaintext = random.GetBytes(length);
        var encrypted = encryption.EncryptWith(key, operation, operation.ToString(), plaintext, context, EncryptionAlgorithm.SYMMETRIC_DEFAULT);
        if (operation == KeyOperation.GenerateDataKeyWithoutPlaintext)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            plaintext = [];
        }

        return new DataKeyResult(key.Arn, encrypted.CiphertextBlob, plaintext, key.CurrentMaterial.MaterialId);
    }

    public async Task<DataKeyPairResult> GenerateDataKeyPairAsync(Caller caller, string keyId, IReadOnlyDictionary<string, string> context,
        DataKeyPairSpec? keyPairSpec, IReadOnlyCollection<string> grantTokens, KeyOperation operation, CancellationToken cancellationToken)
    {
        var spec = keyPairSpec ?? throw KmsErrors.Constraint("keyPairSpec", "Member must not be null");
        throttle.Charge(caller, RequestQuotaCatalog.DataKeyPairs[spec]);
        EncryptionContextRules.Validate(context, "encryptionContext");
        ParameterChecks.GrantTokens(grantTokens);
        var key = await ResolveSymmetricAsync(caller, keyId, operation, ConditionKeys.All(ConditionKeys.Encryption(context, EncryptionAlgorithm.SYMMETRIC_DEFAULT), ConditionKeys.One("kms:DataKeyPairSpec", spec)),
            cancellationToken).ConfigureAwait(false);
        var (privateKey, publicKey) = asymmetric.GenerateKeyPair(spec);
        var encrypted = encryption.EncryptWith(key, operation, operation.ToString(), privateKey, context, EncryptionAlgorithm.SYMMETRIC_DEFAULT);
        if (operation == KeyOperation.GenerateDataKeyPairWithoutPlaintext)
        {
            CryptographicOperations.ZeroMemory(privateKey);
            privateKey = [];
        }

        return new DataKeyPairResult(key.Arn, encrypted.CiphertextBlob, privateKey, publicKey, spec, key.CurrentMaterial.MaterialId);
    }

    public byte[] GenerateRandom(Caller caller, int? numberOfBytes)
    {
        throttle.Charge(caller, RequestQuotaCatalog.Symmetric);
        accessControl.AuthorizeAccountAction(caller, "kms:GenerateRandom");
        var count = numberOfBytes ?? throw KmsErrors.Validation("NumberOfBytes is required.");
        ParameterChecks.Range(count, "numberOfBytes", 1, MaxRandomBytes);
        return random.GetBytes(count);
    }

    private async Task<KmsKey> ResolveSymmetricAsync(Caller caller, string keyId, KeyOperation operation, Action<AccessRequest> conditions,
        CancellationToken cancellationToken)
    {
        ParameterChecks.Present(keyId, "keyId");
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, operation.ToString(), conditions), cancellationToken).ConfigureAwait(false);
        key.Require(operation);
        if (key.KeySpec != KeySpec.SYMMETRIC_DEFAULT)
        {
            throw KmsErrors.InvalidKeyUsage($"{key.Arn} key spec {key.KeySpec} is not valid for {operation}: it needs a symmetric encryption key.");
        }

        return key;
    }

    private static int DataKeyLength(int? numberOfBytes, DataKeySpec? keySpec)
    {
        if (numberOfBytes is not null && keySpec is not null)
        {
            throw KmsErrors.Validation("Please specify either number of bytes or key spec.");
        }

        if (numberOfBytes is { } bytes)
        {
            ParameterChecks.Range(bytes, "numberOfBytes", 1, MaxRandomBytes);
            return bytes;
        }

        return keySpec switch
        {
            DataKeySpec.AES_256 => 32,
            DataKeySpec.AES_128 => 16,
            _ => throw KmsErrors.Validation("Please specify either number of bytes or key spec."),
        };
    }
}
