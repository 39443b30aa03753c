using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>A new API key as its holder receives it, once: "mrk_&lt;key id&gt;_&lt;secret&gt;".</summary>
public sealed record IssuedApiKey(string KeyId, string PrincipalArn, string Token);

/// <summary>
/// Principals and API keys: creation, listing, revocation, and authentication of a bearer token. Tokens are 256-bit
/// random secrets, so a salted SHA-256 is a sufficient hash (no password stretching is needed for secrets that cannot
/// be guessed); comparison is constant-time.
/// </summary>
public sealed partial class PrincipalOperations(IPrincipalStore store, RegionIdentity region, TimeProvider time, AccessKeyCache accessKeys)
{
    private const string TokenPrefix = "mrk_";

    public async Task<Principal> CreatePrincipalAsync(Caller caller, string name, PrincipalType type, CancellationToken cancellationToken)
    {
        if (!NamePattern().IsMatch(name))
        {
            throw KmsErrors.Validation("A principal name is 1-64 characters of letters, digits and +=,.@_-");
        }

        var principal = new Principal(ArnOf(name, type), name, type, time.GetUtcNow(), Principal.NewId(type));
        if (!await store.InsertPrincipalAsync(principal, caller.Record, cancellationToken).ConfigureAwait(false))
        {
            throw KmsErrors.AlreadyExists($"Principal {principal.Arn} already exists.");
        }

        return principal;
    }

    public Task<IReadOnlyList<Principal>> ListPrincipalsAsync(CancellationToken cancellationToken) => store.ListPrincipalsAsync(cancellationToken);

    public async Task DeletePrincipalAsync(Caller caller, string arn, CancellationToken cancellationToken)
    {
        var deleted = await store.DeletePrincipalAsync(arn, time.GetUtcNow(), caller.Record, cancellationToken).ConfigureAwait(false);
        accessKeys.ForgetPrincipal(arn);
        if (!deleted)
        {
            throw KmsErrors.NotFound($"Principal {KmsErrors.Printable(arn)} does not exist.");
        }
    }

    public async Task<IssuedApiKey> CreateApiKeyAsync(Caller caller, string principalArn, CancellationToken cancellationToken)
    {
        _ = await store.FindPrincipalAsync(principalArn, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.NotFound($"Principal {KmsErrors.Printable(principalArn)} does not exist.");
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var salt = RandomNumberGenerator.GetBytes(16);
        await store.InsertApiKeyAsync(new ApiKey(keyId, principalArn, salt, Hash(salt, secret), time.GetUtcNow(), null), caller.Record, cancellationToken)
            .ConfigureAwait(false);
        return new IssuedApiKey(keyId, principalArn, $"{TokenPrefix}{keyId}_{secret}");
    }

    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(string principalArn, CancellationToken cancellationToken) =>
        await store.ListApiKeysAsync(principalArn, cancellationToken).ConfigureAwait(false);

    public async Task RevokeApiKeyAsync(Caller caller, string keyId, CancellationToken cancellationToken)
    {
        if (!await store.RevokeApiKeyAsync(keyId, time.GetUtcNow(), caller.Record, cancellationToken).ConfigureAwait(false))
        {
            throw KmsErrors.NotFound($"API key {KmsErrors.Printable(keyId)} does not exist.");
        }
    }

    /// <summary>The principal a bearer token belongs to, or null when it is malformed, unknown, revoked or wrong.</summary>
    public async Task<Principal?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }

        var separator = token.IndexOf('_', TokenPrefix.Length);
        if (separator < 0)
        {
            return null;
        }

        var key = await store.FindApiKeyAsync(token[TokenPrefix.Length..separator], cancellationToken).ConfigureAwait(false);
        if (key is null || key.RevokedAt is not null)
        {
            return null;
        }

        var presented = Hash(key.Salt, token[(separator + 1)..]);
        if (!CryptographicOperations.FixedTimeEquals(presented, key.SecretHash))
        {
            return null;
        }

        return await store.FindPrincipalAsync(key.PrincipalArn, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The principal a cluster client certificate names, or null when this Region's store does not hold it: a
    /// certificate proves a name, the store decides whether that name may call, so deleting a principal refuses its
    /// certificates at once.
    /// </summary>
    public Task<Principal?> AuthenticateCertificateAsync(string name, PrincipalType type, CancellationToken cancellationToken) =>
        store.FindPrincipalAsync(ArnOf(name, type), cancellationToken);

    public string ArnOf(string name, PrincipalType type) =>
        $"arn:{region.Partition}:iam::{region.AccountId}:{(type == PrincipalType.User ? "user" : "role")}/{name}";

    private static byte[] Hash(byte[] salt, string secret) => SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(secret)]);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '.');

    [GeneratedRegex(@"^[A-Za-z0-9+=,.@_-]{1,64}$")]
    private static partial Regex NamePattern();
}
