using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Ports;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>A new access key as its holder receives it, once.</summary>
public sealed record IssuedAccessKey(string AccessKeyId, string SecretAccessKey, string PrincipalArn);

/// <summary>
/// AWS-shaped access keys: an ID of "AKIA" and 16 base32 characters, and a 40-character secret of 30 random bytes.
/// Signature Version 4 checks a signature with the secret itself, so it is kept wrapped under the domain key (bound to
/// its access key ID) rather than hashed; it is handed out once and unwrapped only to check a signature.
/// </summary>
public sealed class AccessKeyOperations(IPrincipalStore store, IMaterialProtector protector, TimeProvider time, AccessKeyCache cache)
{
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public async Task<IssuedAccessKey> CreateAsync(Caller caller, string principalArn, CancellationToken cancellationToken)
    {
        _ = await store.FindPrincipalAsync(principalArn, cancellationToken).ConfigureAwait(false)
            ?? throw KmsErrors.NotFound($"Principal {KmsErrors.Printable(principalArn)} does not exist.");
        var id = "AKIA" + new string(RandomNumberGenerator.GetBytes(16).Select(b => IdAlphabet[b % 32]).ToArray());
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        var bytes = Encoding.ASCII.GetBytes(secret);
        try
        {
            await store.InsertAccessKeyAsync(new AccessKey(id, principalArn, protector.Wrap(bytes, AccessKey.ProtectionOwner, id), time.GetUtcNow(), null),
                caller.Record, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        return new IssuedAccessKey(id, secret, principalArn);
    }

    public Task<IReadOnlyList<AccessKey>> ListAsync(string principalArn, CancellationToken cancellationToken) =>
        store.ListAccessKeysAsync(principalArn, cancellationToken);

    public async Task RevokeAsync(Caller caller, string accessKeyId, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeAccessKeyAsync(accessKeyId, time.GetUtcNow(), caller.Record, cancellationToken).ConfigureAwait(false);
        cache.Forget(accessKeyId);
        if (!revoked)
        {
            throw KmsErrors.NotFound($"Access key {KmsErrors.Printable(accessKeyId)} does not exist.");
        }
    }

    /// <summary>
    /// The principal an access key belongs to and its secret (the caller zeroes it), or null when the key is unknown,
    /// revoked, or its principal is gone.
    /// </summary>
    public async Task<(Principal Principal, byte[] Secret)?> SecretOfAsync(string accessKeyId, CancellationToken cancellationToken)
    {
        if (cache.TryGet(accessKeyId, out var cachedPrincipal, out var cachedSecret))
        {
            return (cachedPrincipal, cachedSecret);
        }

        var generation = cache.Generation;
        var key = await store.FindAccessKeyAsync(accessKeyId, cancellationToken).ConfigureAwait(false);
        if (key is null || key.RevokedAt is not null)
        {
            return null;
        }

        var principal = await store.FindPrincipalAsync(key.PrincipalArn, cancellationToken).ConfigureAwait(false);
        if (principal is null)
        {
            return null;
        }

        var secret = protector.Unwrap(key.WrappedSecret, AccessKey.ProtectionOwner, key.AccessKeyId);
        cache.Add(accessKeyId, principal, secret, generation);
        return (principal, secret);
    }
}
