using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>What GetParametersForImport returns.</summary>
public sealed record ImportParametersIssued(string KeyArn, byte[] ImportToken, byte[] PublicKey, DateTimeOffset ValidTo);

/// <summary>The caller's ImportKeyMaterial request, before any of it is checked.</summary>
public sealed record ImportKeyMaterialCommand(
    string KeyId,
    byte[] ImportToken,
    byte[] EncryptedKeyMaterial,
    DateTimeOffset? ValidTo,
    ExpirationModel? ExpirationModel,
    ImportType? ImportType,
    string KeyMaterialDescription,
    string KeyMaterialId);

/// <summary>
/// Imported key material (BYOK): wrapping parameters, import, deletion and expiry. Imported material never travels
/// between Regions: each related key receives it by its own import, and the material ID (a one-way function of key ID
/// and material) is how Regions tell the same material from different material.
/// </summary>
public sealed class ImportOperations(
    IKeyStore store,
    KeyResolver resolver,
    KeyChanges changes,
    IImportWrapping wrapping,
    IKeyMaterialFactory factory,
    IMaterialProtector protector,
    SharedStateSync sync,
    IAuditSink audit,
    TimeProvider time)
{
    /// <summary>Unused parameter sets kept per key; asking for more retires the oldest (its token stops working).</summary>
    public const int MaxOutstandingParametersPerKey = 20;

    public const int MaxTokenLength = 6144;
    public const int MaxEncryptedMaterialLength = 6144;
    public const int MaxDescriptionLength = 256;
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(365);

    /// <summary>How long an expired token is still recognised (as expired) after its private wrapping key is erased.</summary>
    public static readonly TimeSpan ExpiredTokenMemory = TimeSpan.FromDays(7);

    public async Task<ImportParametersIssued> GetParametersForImportAsync(Caller caller, string keyId, WrappingAlgorithm? algorithm, WrappingKeySpec? keySpec,
        CancellationToken cancellationToken)
    {
        var chosenAlgorithm = algorithm ?? throw KmsErrors.Constraint("wrappingAlgorithm", "Member must not be null");
        var chosenSpec = keySpec ?? throw KmsErrors.Constraint("wrappingKeySpec", "Member must not be null");
        var access = Access.For(caller, "GetParametersForImport", ConditionKeys.All(
            ConditionKeys.One("kms:WrappingAlgorithm", chosenAlgorithm), ConditionKeys.One("kms:WrappingKeySpec", chosenSpec)));
        var key = await resolver.ResolveAsync(keyId, access, cancellationToken).ConfigureAwait(false);
        key.RequireExternal(KeyOperation.GetParametersForImport);

        var pair = wrapping.CreateWrappingKey(chosenSpec);
        try
        {
            var token = wrapping.NewToken();
            var now = time.GetUtcNow();
            var parameters = new ImportParameters(token.TokenId, key.KeyId, chosenAlgorithm, chosenSpec,
                protector.Wrap(pair.PrivateKey, key.KeyId, ImportParameters.ProtectionLabel(token.TokenId)), now, now + ImportParameters.Lifetime);
            if (!await store.SaveImportParametersAsync(parameters, MaxOutstandingParametersPerKey, cancellationToken).ConfigureAwait(false))
            {
                throw KmsErrors.KeyNotFound(key.Arn);
            }

            return new ImportParametersIssued(key.Arn, token.Token, pair.PublicKey, parameters.ValidTo);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pair.PrivateKey);
        }
    }

    public async Task<(string KeyArn, string MaterialId)> ImportKeyMaterialAsync(Caller caller, ImportKeyMaterialCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var request = Validate(command, now);
        var access = Access.For(caller, "ImportKeyMaterial", ConditionKeys.All(
            ConditionKeys.One("kms:ExpirationModel", request.ExpirationModel),
            ConditionKeys.One("kms:ValidTo", request.ValidTo?.ToUnixTimeSeconds())));
        var key = await resolver.ResolveAsync(command.KeyId, access, cancellationToken).ConfigureAwait(false);
        key.RequireExternal(KeyOperation.ImportKeyMaterial);

        var tokenId = wrapping.TokenId(command.ImportToken);
        var parameters = await store.FindImportParametersAsync(tokenId, cancellationToken).ConfigureAwait(false);
        if (parameters is null || parameters.KeyId != key.KeyId)
        {
            throw KmsErrors.InvalidImportToken("The import token is invalid or is associated with a different KMS key.");
        }

        // Its erased private key says a token expired even when the clock has since been set back to before its end;
        // and a token refused as expired now has its key erased now, so no later reading of the clock revives it.
        if (parameters.ValidTo <= now || parameters.WrappedPrivateKey.Length == 0)
        {
            await store.DeleteExpiredImportParametersAsync(now, ExpiredTokenMemory, cancellationToken).ConfigureAwait(false);
            throw KmsErrors.ExpiredImportToken();
        }

        var (materialId, wrapped) = Receive(key, parameters, command.EncryptedKeyMaterial);
        var added = false;
        var changed = await changes.ChangeByIdAsync(key.KeyId, k =>
        {
            var before = k.Materials.Count;
            k.ImportMaterial(materialId, wrapped, request, tokenId, time.GetUtcNow());
            added = k.Materials.Count != before;
            return Tell(k, added);
        }, cancellationToken).ConfigureAwait(false);
        return (changed.Arn, materialId);
    }

    public async Task<(string KeyArn, string? MaterialId)> DeleteImportedKeyMaterialAsync(Caller caller, string keyId, string keyMaterialId,
        CancellationToken cancellationToken)
    {
        var materialId = string.IsNullOrEmpty(keyMaterialId) ? null : RequireMaterialId(keyMaterialId);
        string? affected = null;
        var key = await changes.ChangeAsync(keyId, Access.For(caller, "DeleteImportedKeyMaterial"), k =>
        {
            var before = k.Materials.Count;
            affected = k.DeleteImportedMaterial(materialId)?.MaterialId;
            return Tell(k, k.Materials.Count != before);
        }, cancellationToken).ConfigureAwait(false);
        return (key.Arn, affected);
    }

    /// <summary>
    /// Deletes imported material whose ValidTo has passed (the key goes to PendingImport in this Region only) and
    /// erases the private wrapping keys of import parameters past their 24 hours. Returns the keys whose material expired.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await store.DeleteExpiredImportParametersAsync(now, ExpiredTokenMemory, cancellationToken).ConfigureAwait(false);
        var expiredKeys = new List<string>();
        foreach (var keyId in await store.KeysWithExpiredMaterialAsync(now, cancellationToken).ConfigureAwait(false))
        {
            IReadOnlyList<string> expired = [];
            (DateTimeOffset? Due, DateTimeOffset Now) decided = default;
            var key = await changes.ChangeByIdAsync(keyId, k =>
            {
                decided = (k.NextMaterialExpiry, time.GetUtcNow());
                expired = k.ExpireMaterial(decided.Now);
                return expired.Count > 0 ? Tell(k, sharedChange: false) : [];
            }, cancellationToken).ConfigureAwait(false);
            if (expired.Count > 0)
            {
                expiredKeys.Add(keyId);
                var parameters = DueActionAudit.Parameters(decided.Due ?? decided.Now, decided.Now);
                parameters["keyMaterialIds"] = expired.ToArray();
                parameters["keyState"] = key.State.ToString();
                audit.Record(AuditEvent.Internal("DeleteExpiredKeyMaterial", key.Arn, parameters));
            }
        }

        return expiredKeys;
    }

    /// <summary>Unwraps, checks and names the material, then wraps it under the domain key; no plaintext outlives this call.</summary>
    private (string MaterialId, byte[] Wrapped) Receive(KmsKey key, ImportParameters parameters, byte[] encrypted)
    {
        byte[] raw;
        var privateKey = protector.Unwrap(parameters.WrappedPrivateKey, key.KeyId, ImportParameters.ProtectionLabel(parameters.TokenId));
        try
        {
            raw = wrapping.Unwrap(privateKey, parameters.Algorithm, encrypted);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
        }

        byte[]? material = null;
        try
        {
            material = factory.Accept(key.KeySpec, raw);
            var materialId = factory.MaterialId(key.KeyId, material);
            return (materialId, protector.Wrap(material, key.KeyId, materialId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
            if (material is not null)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    }

    /// <summary>
    /// Who hears of an import change: a primary tells its replicas when the set's versions changed; a replica tells its
    /// primary which versions it now holds (so a rotation waiting for every Region can go ahead).
    /// </summary>
    private IReadOnlyList<OutgoingMessage> Tell(KmsKey key, bool sharedChange)
    {
        if (key.MultiRegion is null)
        {
            return [];
        }

        if (!key.IsPrimary)
        {
            return sync.Report(key);
        }

        if (!sharedChange)
        {
            return [];
        }

        key.AdvanceSync();
        return sync.Broadcast(key);
    }

    private static MaterialImport Validate(ImportKeyMaterialCommand command, DateTimeOffset now)
    {
        ParameterChecks.Length(command.ImportToken, "importToken", 1, MaxTokenLength);
        ParameterChecks.Length(command.EncryptedKeyMaterial, "encryptedKeyMaterial", 1, MaxEncryptedMaterialLength);
        ParameterChecks.WellFormed(command.KeyMaterialDescription, "keyMaterialDescription");
        ParameterChecks.Length(command.KeyMaterialDescription, "keyMaterialDescription", 0, MaxDescriptionLength);
        var model = command.ExpirationModel ?? ExpirationModel.KEY_MATERIAL_EXPIRES;
        if (model == ExpirationModel.KEY_MATERIAL_EXPIRES)
        {
            var validTo = command.ValidTo ?? throw KmsErrors.Validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
            if (validTo <= now)
            {
                throw KmsErrors.Validation("ValidTo must be a future date and time.");
            }

            if (validTo > now + MaxValidity)
            {
                throw KmsErrors.Validation("ValidTo must be at most 365 days from now.");
            }
        }
        else if (command.ValidTo is not null)
        {
            throw KmsErrors.Validation("ValidTo is not valid when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.");
        }

        var expected = string.IsNullOrEmpty(command.KeyMaterialId) ? null : RequireMaterialId(command.KeyMaterialId);
        return new MaterialImport(command.ImportType, expected, model, model == ExpirationModel.KEY_MATERIAL_EXPIRES ? command.ValidTo : null,
            command.KeyMaterialDescription);
    }

    private static string RequireMaterialId(string value)
    {
        if (value.Length != 64 || !value.All(char.IsAsciiHexDigitLower))
        {
            throw KmsErrors.Constraint("keyMaterialId", "Member must satisfy regular expression pattern: ^[a-f0-9]{64}$");
        }

        return value;
    }
}
