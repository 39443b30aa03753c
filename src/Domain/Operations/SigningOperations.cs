using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Sign, Verify, GetPublicKey and DeriveSharedSecret with asymmetric keys.</summary>
public sealed class SigningOperations(KeyResolver resolver, KeyMaterials materials, IAsymmetricEngine asymmetric)
{
    public const int MaxMessageLength = 4096;
    public const int MaxSignatureLength = 6144;
    public const int MaxPublicKeyLength = 8192;

    public async Task<SignResult> SignAsync(Caller caller, string keyId, byte[] message, MessageType? messageType, SigningAlgorithm? algorithm,
        IReadOnlyCollection<string> grantTokens, CancellationToken cancellationToken)
    {
        var (key, type, alg) = await PrepareAsync(caller, keyId, message, messageType, algorithm, grantTokens, KeyOperation.Sign, cancellationToken)
            .ConfigureAwait(false);
        var signature = materials.Use(key, key.CurrentMaterial, m => asymmetric.Sign(key.KeySpec, m, alg, message, type));
        return new SignResult(key.Arn, signature, alg);
    }

    public async Task<SignResult> VerifyAsync(Caller caller, string keyId, byte[] message, MessageType? messageType, byte[] signature,
        SigningAlgorithm? algorithm, IReadOnlyCollection<string> grantTokens, CancellationToken cancellationToken)
    {
        ParameterChecks.Length(signature, "signature", 1, MaxSignatureLength);
        var (key, type, alg) = await PrepareAsync(caller, keyId, message, messageType, algorithm, grantTokens, KeyOperation.Verify, cancellationToken)
            .ConfigureAwait(false);
        var valid = materials.Use(key, key.CurrentMaterial, m => asymmetric.Verify(key.KeySpec, m, alg, message, type, signature));
        return valid ? new SignResult(key.Arn, signature, alg) : throw KmsErrors.InvalidSignature();
    }

    public async Task<PublicKeyResult> GetPublicKeyAsync(Caller caller, string keyId, IReadOnlyCollection<string> grantTokens, CancellationToken cancellationToken)
    {
        ParameterChecks.GrantTokens(grantTokens);
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "GetPublicKey"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.GetPublicKey);
        if (!key.SpecInfo.IsAsymmetric)
        {
            throw KmsErrors.Unsupported($"{key.Arn} key spec {key.KeySpec} has no public key; GetPublicKey needs an asymmetric key.");
        }

        var publicKey = materials.Use(key, key.CurrentMaterial, m => asymmetric.PublicKey(key.KeySpec, m));
        return new PublicKeyResult(key, publicKey);
    }

    public async Task<SharedSecretResult> DeriveSharedSecretAsync(Caller caller, string keyId, KeyAgreementAlgorithm? algorithm, byte[] publicKey,
        IReadOnlyCollection<string> grantTokens, CancellationToken cancellationToken)
    {
        _ = algorithm ?? throw KmsErrors.Constraint("keyAgreementAlgorithm", "Member must not be null");
        ParameterChecks.Length(publicKey, "publicKey", 1, MaxPublicKeyLength);
        ParameterChecks.GrantTokens(grantTokens);
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "DeriveSharedSecret", ConditionKeys.One("kms:KeyAgreementAlgorithm", algorithm)),
            cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.DeriveSharedSecret);
        key.RequireUsage(KeyUsage.KEY_AGREEMENT, "DeriveSharedSecret");
        var secret = materials.Use(key, key.CurrentMaterial, m => asymmetric.DeriveSharedSecret(key.KeySpec, m, publicKey))
            ?? throw KmsErrors.Validation($"The public key is not a valid public key on the curve of {key.KeySpec}.");
        return new SharedSecretResult(key.Arn, secret, key.Origin);
    }

    private async Task<(KmsKey Key, MessageType Type, SigningAlgorithm Algorithm)> PrepareAsync(Caller caller, string keyId, byte[] message,
        MessageType? messageType, SigningAlgorithm? algorithm, IReadOnlyCollection<string> grantTokens, KeyOperation operation,
        CancellationToken cancellationToken)
    {
        ParameterChecks.Length(message, "message", 1, MaxMessageLength);
        ParameterChecks.GrantTokens(grantTokens);
        var alg = algorithm ?? throw KmsErrors.Constraint("signingAlgorithm", "Member must not be null");
        var type = messageType ?? MessageType.RAW;
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, operation.ToString(), request =>
        {
            request.With("kms:SigningAlgorithm", alg.ToString());
            request.With("kms:MessageType", type.ToString());
        }), cancellationToken).ConfigureAwait(false);
        key.Require(operation);
        key.RequireUsage(KeyUsage.SIGN_VERIFY, operation.ToString());
        if (!key.SpecInfo.SigningAlgorithmsFor(key.KeyUsage).Contains(alg))
        {
            throw KmsErrors.InvalidKeyUsage($"{alg} is not a valid signing algorithm for {key.Arn} (key spec {key.KeySpec}).");
        }

        // AWS's pairings: pure Ed25519 signs RAW messages only, Ed25519ph DIGEST ones only (and still prehashes them).
        if (alg == SigningAlgorithm.ED25519_PH_SHA_512 && type != MessageType.DIGEST)
        {
            throw KmsErrors.Validation("The ED25519_PH_SHA_512 signing algorithm requires MessageType DIGEST.");
        }

        if (type == MessageType.EXTERNAL_MU)
        {
            if (alg != SigningAlgorithm.ML_DSA_SHAKE_256)
            {
                throw KmsErrors.Validation($"MessageType EXTERNAL_MU is supported only with ML_DSA_SHAKE_256, not {alg}.");
            }

            if (message.Length != 64)
            {
                throw KmsErrors.Validation("With MessageType EXTERNAL_MU the message must be the 64-byte representative mu.");
            }

            // The ML-DSA engine available (BouncyCastle 2.7; the runtime's needs OpenSSL 3.5) signs messages, not a given mu.
            throw KmsErrors.Unsupported("MessageType EXTERNAL_MU is not supported by this service yet; sign the message (RAW) instead.");
        }

        if (type == MessageType.DIGEST)
        {
            var expected = SigningAlgorithmInfo.DigestLength(alg)
                ?? throw KmsErrors.Validation($"MessageType DIGEST is not supported for signing algorithm {alg}.");
            if (message.Length != expected)
            {
                throw KmsErrors.Validation($"Digest is invalid length for algorithm {alg}.");
            }
        }

        return (key, type, alg);
    }
}
