using System.Security.Cryptography;
using System.Text;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// AWS-shaped access keys: AWS's shapes, the secret stored only wrapped under the domain key, unwrapped only for its own
/// key, gone the moment the key is revoked or its principal deleted, and carried across a domain-key rotation.
/// </summary>
public sealed class AccessKeyTests : IDisposable
{
    private readonly TempStore _store = new();
    private readonly SqlitePrincipalStore _principals;
    private readonly AccessKeyOperations _keys;
    private readonly AccessKeyCache _cache = new();

    public AccessKeyTests()
    {
        _principals = new SqlitePrincipalStore(_store.Database);
        _keys = new AccessKeyOperations(_principals, _store.Protector, _store.Clock, _cache);
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Created_AwsShaped_SecretOnlyWrapped_RevokedAtOnce()
    {
        var alice = await new PrincipalOperations(_principals, _store.Region, _store.Clock, _cache).CreatePrincipalAsync(Caller.System, "alice", PrincipalType.User, CancellationToken.None);
        var issued = await _keys.CreateAsync(Caller.System, alice.Arn, CancellationToken.None);
        Assert.Matches("^AKIA[A-Z2-7]{16}$", issued.AccessKeyId);
        Assert.Matches("^[A-Za-z0-9+/]{40}$", issued.SecretAccessKey);
        Assert.Equal(-1, FindIn(_store.FileBytes(), Encoding.ASCII.GetBytes(issued.SecretAccessKey)));

        var (principal, secret) = (await _keys.SecretOfAsync(issued.AccessKeyId, CancellationToken.None))!.Value;
        Assert.Equal(alice.Arn, principal.Arn);
        Assert.Equal(issued.SecretAccessKey, Encoding.ASCII.GetString(secret));
        Assert.Null((await _keys.ListAsync(alice.Arn, CancellationToken.None)).Single().RevokedAt);

        await _keys.RevokeAsync(Caller.System, issued.AccessKeyId, CancellationToken.None);
        Assert.Null(await _keys.SecretOfAsync(issued.AccessKeyId, CancellationToken.None));
        Assert.Equal(KmsErrorCodes.NotFound, (await Assert.ThrowsAsync<KmsException>(() => _keys.RevokeAsync(Caller.System, "AKIANOSUCHKEY0000000", CancellationToken.None))).ErrorCode);
        Assert.Equal(KmsErrorCodes.NotFound, (await Assert.ThrowsAsync<KmsException>(() =>
            _keys.CreateAsync(Caller.System, "arn:aws:iam::111122223333:user/nobody", CancellationToken.None))).ErrorCode);
    }

    [Fact]
    public async Task PrincipalDeleted_ItsAccessKeysStopAtOnce()
    {
        var operations = new PrincipalOperations(_principals, _store.Region, _store.Clock, _cache);
        var bob = await operations.CreatePrincipalAsync(Caller.System, "bob", PrincipalType.User, CancellationToken.None);
        var issued = await _keys.CreateAsync(Caller.System, bob.Arn, CancellationToken.None);
        Assert.NotNull(await _keys.SecretOfAsync(issued.AccessKeyId, CancellationToken.None));
        await operations.DeletePrincipalAsync(Caller.System, bob.Arn, CancellationToken.None);
        await operations.CreatePrincipalAsync(Caller.System, "bob", PrincipalType.User, CancellationToken.None);
        Assert.Null(await _keys.SecretOfAsync(issued.AccessKeyId, CancellationToken.None));
    }

    [Fact]
    public async Task DomainKeyRotation_RewrapsTheSecrets()
    {
        var carol = await new PrincipalOperations(_principals, _store.Region, _store.Clock, _cache).CreatePrincipalAsync(Caller.System, "carol", PrincipalType.User, CancellationToken.None);
        var issued = await _keys.CreateAsync(Caller.System, carol.Arn, CancellationToken.None);
        using var next = new DomainKeyProtector(RandomNumberGenerator.GetBytes(32), _store.Region.Region);
        await new MaterialRewrap(_store.Database).RunAsync((owner, name, wrapped) => next.Wrap(_store.Protector.Unwrap(wrapped, owner, name), owner, name),
            "domain_key_check", [1], CancellationToken.None);

        var underNext = new AccessKeyOperations(_principals, next, _store.Clock, new AccessKeyCache());
        Assert.Equal(issued.SecretAccessKey, Encoding.ASCII.GetString((await underNext.SecretOfAsync(issued.AccessKeyId, CancellationToken.None))!.Value.Secret));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => _keys.SecretOfAsync(issued.AccessKeyId, CancellationToken.None));
    }

    [Fact]
    public async Task Cache_ALookupThatBeganBeforeARevocation_CannotPutTheKeyBack()
    {
        var dave = await new PrincipalOperations(_principals, _store.Region, _store.Clock, _cache).CreatePrincipalAsync(Caller.System, "dave", PrincipalType.User, CancellationToken.None);
        var issued = await _keys.CreateAsync(Caller.System, dave.Arn, CancellationToken.None);
        var before = _cache.Generation;
        await _keys.RevokeAsync(Caller.System, issued.AccessKeyId, CancellationToken.None);
        _cache.Add(issued.AccessKeyId, dave, [1, 2, 3], before);
        Assert.False(_cache.TryGet(issued.AccessKeyId, out _, out _));
        Assert.Null(await _keys.SecretOfAsync(issued.AccessKeyId, CancellationToken.None));

        _cache.Add("AKIAOTHER00000000000", dave, [1, 2, 3], _cache.Generation);
        Assert.True(_cache.TryGet("AKIAOTHER00000000000", out var principal, out var secret));
        Assert.Equal(dave.Arn, principal.Arn);
        Assert.Equal([1, 2, 3], secret);
    }

    private static int FindIn(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
