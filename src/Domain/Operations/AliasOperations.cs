using System.Text.RegularExpressions;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Paging;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Aliases: friendly names for keys, local to this Region.</summary>
public sealed partial class AliasOperations(IKeyStore store, KeyResolver resolver, KeyChanges changes, AccessControl accessControl, RegionIdentity region,
    TimeProvider time, ResourceQuotas quotas)
{
    public async Task CreateAliasAsync(Caller caller, string aliasName, string targetKeyId, CancellationToken cancellationToken)
    {
        ValidateAliasName(aliasName);
        var key = await ResolveTargetAsync(targetKeyId, Access.For(caller, "CreateAlias"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.CreateAlias);
        using var aliases = await changes.OpenAliasesAsync(caller, cancellationToken).ConfigureAwait(false);
        if (await aliases.FindAliasAsync(aliasName, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw KmsErrors.AliasExists(region.AliasArn(aliasName));
        }

        // Alias changes are serialized (the lock above), so this count is exact.
        if (await store.CountAliasesAsync(cancellationToken).ConfigureAwait(false) >= quotas.Aliases)
        {
            throw KmsErrors.LimitExceeded($"This Region already holds {quotas.Aliases} aliases, its quota of aliases.");
        }

        var now = time.GetUtcNow();
        await aliases.InsertAsync(new Alias(aliasName, key.KeyId, now, now), cancellationToken).ConfigureAwait(false);
    }

    public async Task UpdateAliasAsync(Caller caller, string aliasName, string targetKeyId, CancellationToken cancellationToken)
    {
        ValidateAliasName(aliasName);
        var key = await ResolveTargetAsync(targetKeyId, Access.For(caller, "UpdateAlias"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.UpdateAlias);
        using var aliases = await changes.OpenAliasesAsync(caller, cancellationToken).ConfigureAwait(false);
        var alias = await aliases.FindAliasAsync(aliasName, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.AliasNotFound(region.AliasArn(aliasName));
        var current = await aliases.FindKeyAsync(alias.TargetKeyId, cancellationToken).ConfigureAwait(false);
        if (current is not null)
        {
            // Moving an alias needs the right on the key it leaves as well as on the key it goes to.
            await accessControl.AuthorizeAsync(current, Access.For(caller, "UpdateAlias"), null, cancellationToken).ConfigureAwait(false);
        }

        if (current is not null && !SameKind(current, key))
        {
            throw KmsErrors.Validation(
                $"{key.Arn} is not the same type of key as the alias's current target: both must have the same key spec and key usage.");
        }

        await aliases.UpdateAsync(alias with { TargetKeyId = key.KeyId, LastUpdatedDate = time.GetUtcNow() }, cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task DeleteAliasAsync(Caller caller, string aliasName, CancellationToken cancellationToken)
    {
        ValidateAliasName(aliasName);
        using var aliases = await changes.OpenAliasesAsync(caller, cancellationToken).ConfigureAwait(false);
        var alias = await aliases.FindAliasAsync(aliasName, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.AliasNotFound(region.AliasArn(aliasName));
        if (await aliases.FindKeyAsync(alias.TargetKeyId, cancellationToken).ConfigureAwait(false) is { } target)
        {
            await accessControl.AuthorizeAsync(target, Access.For(caller, "DeleteAlias"), null, cancellationToken).ConfigureAwait(false);
        }

        await aliases.DeleteAsync(aliasName, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Page<Alias>> ListAliasesAsync(Caller caller, string keyId, int? limit, string marker, CancellationToken cancellationToken)
    {
        accessControl.AuthorizeAccountAction(caller, "kms:ListAliases");
        var take = PageMarkers.Limit(limit, 50);
        var after = PageMarkers.Decode(marker);
        string? targetKeyId = null;
        if (!string.IsNullOrEmpty(keyId))
        {
            var key = await resolver.ResolveAsync(keyId, Access.For(caller, "ListAliases"), cancellationToken).ConfigureAwait(false);
            key.Require(KeyOperation.ListAliases);
            targetKeyId = key.KeyId;
        }

        var aliases = await store.ListAliasesAsync(targetKeyId, after, take + 1, cancellationToken).ConfigureAwait(false);
        return aliases.Count > take
            ? new Page<Alias>(aliases.Take(take).ToList(), PageMarkers.Encode(aliases[take - 1].AliasName))
            : new Page<Alias>(aliases, null);
    }

    private async Task<KmsKey> ResolveTargetAsync(string targetKeyId, Access access, CancellationToken cancellationToken)
    {
        ParameterChecks.Present(targetKeyId, "targetKeyId");
        if (targetKeyId.StartsWith("alias/", StringComparison.Ordinal) || targetKeyId.Contains(":alias/", StringComparison.Ordinal))
        {
            throw KmsErrors.Validation("An alias must point to a key ID or key ARN, not to another alias.");
        }

        return await resolver.ResolveAsync(targetKeyId, access, cancellationToken, "targetKeyId").ConfigureAwait(false);
    }

    private static bool SameKind(KmsKey a, KmsKey b) => a.KeySpec == b.KeySpec && a.KeyUsage == b.KeyUsage;

    private static void ValidateAliasName(string aliasName)
    {
        ParameterChecks.Present(aliasName, "aliasName");
        ParameterChecks.Length(aliasName, "aliasName", 1, 256);
        if (!aliasName.StartsWith("alias/", StringComparison.Ordinal))
        {
            // AWS's words, and its exception, for a name without the prefix.
            throw KmsErrors.Validation("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
        }

        if (!AliasNamePattern().IsMatch(aliasName) || aliasName == "alias/")
        {
            throw KmsErrors.InvalidAliasName(
                $"Alias name {KmsErrors.Printable(aliasName)} must begin with 'alias/' followed by letters, digits, '/', '_' or '-'.");
        }

        if (aliasName.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw KmsErrors.InvalidAliasName("Alias names beginning with 'alias/aws/' are reserved for AWS managed keys.");
        }
    }

    [GeneratedRegex("^alias/[a-zA-Z0-9/_-]+$")]
    private static partial Regex AliasNamePattern();
}
