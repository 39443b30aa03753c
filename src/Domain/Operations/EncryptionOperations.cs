using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Encrypt, Decrypt and ReEncrypt with symmetric and RSA keys.</summary>
public sealed class EncryptionOperations(
    IKeyStore store,
    KeyResolver resolver,
    KeyMaterials materials,
    ISymmetricEnvelope envelope,
    IAsymmetricEngine asymmetric,
    AccessControl accessControl)
{
    public const int MaxPlaintextLength = 4096;
    public const int MaxCiphertextLength = 6144;

    public async Task<EncryptResult> EncryptAsync(Caller caller, string keyId, byte[] plaintext, IReadOnlyDictionary<string, string> context,
        IReadOnlyCollection<string> grantTokens, EncryptionAlgorithm? algorithm, CancellationToken cancellationToken)
    {
        ParameterChecks.Length(plaintext, "plaintext", 1, MaxPlaintextLength);
        EncryptionContextRules.Validate(context, "encryptionContext");
        ParameterChecks.GrantTokens(grantTokens);
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "Encrypt", ConditionKeys.Encryption(context, algorithm ?? EncryptionAlgorithm.SYMMETRIC_DEFAULT)),
            cancellationToken).ConfigureAwait(false);
        return EncryptWith(key, KeyOperation.Encrypt, "Encrypt", plaintext, context, algorithm);
    }

    public async Task<DecryptResult> DecryptAsync(Caller caller, byte[] ciphertextBlob, IReadOnlyDictionary<string, string> context,
        IReadOnlyCollection<string> grantTokens, string keyId, EncryptionAlgorithm? algorithm, CancellationToken cancellationToken)
    {
        ParameterChecks.Length(ciphertextBlob, "ciphertextBlob", 1, MaxCiphertextLength);
        EncryptionContextRules.Validate(context, "encryptionContext");
        ParameterChecks.GrantTokens(grantTokens);
        return await DecryptCoreAsync(caller, ciphertextBlob, context, keyId, "keyId", algorithm, KeyOperation.Decrypt, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<ReEncryptResult> ReEncryptAsync(Caller caller, byte[] ciphertextBlob, IReadOnlyDictionary<string, string> sourceContext,
        string sourceKeyId, string destinationKeyId, IReadOnlyDictionary<string, string> destinationContext,
        EncryptionAlgorithm? sourceAlgorithm, EncryptionAlgorithm? destinationAlgorithm, IReadOnlyCollection<string> grantTokens,
        CancellationToken cancellationToken)
    {
        ParameterChecks.Length(ciphertextBlob, "ciphertextBlob", 1, MaxCiphertextLength);
        EncryptionContextRules.Validate(sourceContext, "sourceEncryptionContext");
        EncryptionContextRules.Validate(destinationContext, "destinationEncryptionContext");
        ParameterChecks.GrantTokens(grantTokens);
        ParameterChecks.Present(destinationKeyId, "destinationKeyId");
        var sameKey = ConditionKeys.One("kms:ReEncryptOnSameKey",
            await SameKeyAsync(ciphertextBlob, sourceKeyId, destinationKeyId, cancellationToken).ConfigureAwait(false) ? "true" : "false");
        var destination = await resolver.ResolveAsync(destinationKeyId, Access.For(caller, "ReEncryptTo", ConditionKeys.All(
                ConditionKeys.Encryption(destinationContext, destinationAlgorithm ?? EncryptionAlgorithm.SYMMETRIC_DEFAULT), sameKey)),
            cancellationToken, "destinationKeyId").ConfigureAwait(false);
        destination.Require(KeyOperation.ReEncrypt);
        var source = await DecryptCoreAsync(caller, ciphertextBlob, sourceContext, sourceKeyId, "sourceKeyId", sourceAlgorithm,
            KeyOperation.ReEncrypt, cancellationToken, sameKey).ConfigureAwait(false);
        try
        {
            var encrypted = EncryptWith(destination, KeyOperation.ReEncrypt, "ReEncrypt", source.Plaintext, destinationContext,
                destinationAlgorithm);
            var destinationMaterial = destination.KeySpec == KeySpec.SYMMETRIC_DEFAULT ? destination.CurrentMaterial.MaterialId : null;
            return new ReEncryptResult(source with { Plaintext = [] }, encrypted, destinationMaterial);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(source.Plaintext);
        }
    }

    /// <summary>Encrypts under <paramref name="key"/> after the state, usage and algorithm checks.</summary>
    internal EncryptResult EncryptWith(KmsKey key, KeyOperation operation, string operationName, ReadOnlySpan<byte> plaintext,
        IReadOnlyDictionary<string, string> context, EncryptionAlgorithm? requested)
    {
        key.Require(operation);
        key.RequireUsage(KeyUsage.ENCRYPT_DECRYPT, operationName);
        var algorithm = RequireAlgorithm(key, requested);
        if (algorithm == EncryptionAlgorithm.SYMMETRIC_DEFAULT)
        {
            var current = key.CurrentMaterial;
            var plain = plaintext.ToArray();
            try
            {
                var blob = materials.Use(key, current, m => envelope.Encrypt(m, key.KeyId, current.MaterialId, plain, context));
                return new EncryptResult(key.Arn, blob, algorithm);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
            }
        }

        RequireNoContext(context);
        var rsaPlain = plaintext.ToArray();
        try
        {
            var max = MaxRsaPlaintext(key.KeySpec, algorithm);
            if (rsaPlain.Length > max)
            {
                throw KmsErrors.Validation($"Algorithm {algorithm} and key spec {key.KeySpec} cannot encrypt data larger than {max} bytes.");
            }

            var ciphertext = materials.Use(key, key.CurrentMaterial, m => asymmetric.Encrypt(m, algorithm, rsaPlain));
            return new EncryptResult(key.Arn, ciphertext, algorithm);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(rsaPlain);
        }
    }

    /// <summary>
    /// kms:ReEncryptOnSameKey: whether the key the ciphertext names (or the source key given) is the destination key.
    /// An identifier that does not resolve counts as another key; resolving it again below refuses it properly.
    /// </summary>
    private async Task<bool> SameKeyAsync(byte[] blob, string sourceKeyId, string destinationKeyId, CancellationToken cancellationToken)
    {
        try
        {
            var destination = await resolver.ResolveKeyIdAsync(destinationKeyId, cancellationToken, "destinationKeyId").ConfigureAwait(false);
            var source = envelope.ReadHeader(blob)?.KeyId
                         ?? (string.IsNullOrEmpty(sourceKeyId) ? null : await resolver.ResolveKeyIdAsync(sourceKeyId, cancellationToken, "sourceKeyId")
                             .ConfigureAwait(false));
            return source == destination;
        }
        catch (KmsException)
        {
            return false;
        }
    }

    private async Task<DecryptResult> DecryptCoreAsync(Caller caller, byte[] blob, IReadOnlyDictionary<string, string> context, string keyId,
        string keyField, EncryptionAlgorithm? requested, KeyOperation operation, CancellationToken cancellationToken,
        Action<AccessRequest>? extra = null)
    {
        var algorithm = requested ?? EncryptionAlgorithm.SYMMETRIC_DEFAULT;
        var access = Access.For(caller, operation == KeyOperation.Decrypt ? "Decrypt" : "ReEncryptFrom",
            ConditionKeys.All(ConditionKeys.Encryption(context, algorithm), extra));
        if (algorithm != EncryptionAlgorithm.SYMMETRIC_DEFAULT)
        {
            if (string.IsNullOrEmpty(keyId))
            {
                throw KmsErrors.Constraint(keyField, $"Member must not be null when decrypting with {algorithm}");
            }

            var rsaKey = await resolver.ResolveAsync(keyId, access, cancellationToken, keyField).ConfigureAwait(false);
            rsaKey.Require(operation);
            rsaKey.RequireUsage(KeyUsage.ENCRYPT_DECRYPT, operation.ToString());
            RequireAlgorithm(rsaKey, algorithm);
            RequireNoContext(context);
            var plain = materials.Use(rsaKey, rsaKey.CurrentMaterial, m => asymmetric.Decrypt(m, algorithm, blob))
                ?? throw KmsErrors.InvalidCiphertext();
            return new DecryptResult(rsaKey.Arn, plain, algorithm, null);
        }

        var header = envelope.ReadHeader(blob) ?? throw KmsErrors.InvalidCiphertext();
        KmsKey key;
        if (!string.IsNullOrEmpty(keyId))
        {
            key = await resolver.ResolveAsync(keyId, access, cancellationToken, keyField).ConfigureAwait(false);
            if (key.KeyId != header.KeyId)
            {
                throw KmsErrors.IncorrectKey();
            }
        }
        else
        {
            // Whether the key is missing or merely not the caller's to use, the answer is the same.
            key = await store.FindKeyAsync(header.KeyId, cancellationToken).ConfigureAwait(false)
                ?? throw KmsErrors.CiphertextKeyNotAccessible();
            await accessControl.AuthorizeAsync(key, access, null, cancellationToken, KmsErrors.CiphertextKeyNotAccessible).ConfigureAwait(false);
        }

        key.Require(operation);
        if (key.KeySpec != KeySpec.SYMMETRIC_DEFAULT)
        {
            throw KmsErrors.IncorrectKey();
        }

        var version = key.FindMaterial(header.MaterialId) ?? throw KmsErrors.InvalidCiphertext();
        var plaintext = materials.Use(key, version, m => envelope.Decrypt(m, blob, context)) ?? throw KmsErrors.InvalidCiphertext();
        return new DecryptResult(key.Arn, plaintext, algorithm, version.MaterialId);
    }

    private static EncryptionAlgorithm RequireAlgorithm(KmsKey key, EncryptionAlgorithm? requested)
    {
        var algorithm = requested ?? EncryptionAlgorithm.SYMMETRIC_DEFAULT;
        if (!key.SpecInfo.EncryptionAlgorithmsFor(key.KeyUsage).Contains(algorithm))
        {
            throw KmsErrors.InvalidKeyUsage($"{algorithm} is not a valid encryption algorithm for {key.Arn} (key spec {key.KeySpec}).");
        }

        return algorithm;
    }

    private static void RequireNoContext(IReadOnlyDictionary<string, string> context)
    {
        if (context.Count > 0)
        {
            throw KmsErrors.Validation("Encryption context is not supported with asymmetric KMS keys.");
        }
    }

    private static int MaxRsaPlaintext(KeySpec spec, EncryptionAlgorithm algorithm)
    {
        var modulusBytes = spec switch
        {
            KeySpec.RSA_2048 => 256,
            KeySpec.RSA_3072 => 384,
            _ => 512,
        };
        var hashBytes = algorithm == EncryptionAlgorithm.RSAES_OAEP_SHA_1 ? 20 : 32;
        return modulusBytes - (2 * hashBytes) - 2;
    }
}
