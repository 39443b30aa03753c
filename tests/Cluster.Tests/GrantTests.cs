using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>Grants on a Region that requires credentials: usable at once, constrained, listed, retired and revoked with immediate effect.</summary>
public sealed class GrantTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Grants_AllowBeyondThePolicy_WithinConstraints_UntilRetiredOrRevoked()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (aliceArn, _, alice) = await region.UserAsync("alice");
        var (bobArn, _, bob) = await region.UserAsync("bob");
        var (carolArn, _, carol) = await region.UserAsync("carol");
        using (alice)
        using (bob)
        using (carol)
        {
            var key = await OwnedKeyAsync(alice, aliceArn);
            var hr = new Dictionary<string, string> { ["dept"] = "hr" };
            await ExpectAsync("AccessDeniedException", () => bob.EncryptAsync(Encrypt(key.KeyId, hr)));

            var request = new CreateGrantRequest
            {
                KeyId = key.KeyId, GranteePrincipal = bobArn, RetiringPrincipal = carolArn, Name = "payroll-writer",
                Operations = { GrantOperation.Encrypt, GrantOperation.Decrypt },
                Constraints = new GrantConstraints { EncryptionContextSubset = { hr } },
            };
            var grant = await alice.CallAsync((c, o) => c.CreateGrantAsync(request, o)).WithTimeout();
            Assert.Equal(64, grant.GrantId.Length);
            Assert.Equal(grant.GrantId, (await alice.CallAsync((c, o) => c.CreateGrantAsync(request, o)).WithTimeout()).GrantId);
            await ExpectAsync("DryRunOperationException", () => alice.CallAsync((c, o) => c.CreateGrantAsync(new CreateGrantRequest(request) { DryRun = true }, o)));
            await ExpectAsync("ValidationException", () => alice.CallAsync((c, o) =>
                c.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = bobArn, Operations = { GrantOperation.Sign } }, o)));

            // Usable at once, within its constraint only; other operations still refused.
            var blob = (await bob.EncryptAsync(Encrypt(key.KeyId, hr)).WithTimeout()).CiphertextBlob;
            var decrypt = new DecryptRequest { CiphertextBlob = blob, EncryptionContext = { hr } };
            Assert.Equal("grant", (await bob.DecryptAsync(decrypt).WithTimeout()).Plaintext.ToStringUtf8());
            await ExpectAsync("AccessDeniedException", () => bob.EncryptAsync(Encrypt(key.KeyId, new Dictionary<string, string> { ["dept"] = "it" })));
            await ExpectAsync("AccessDeniedException", () => bob.DescribeKeyAsync(key.KeyId));

            var listed = await alice.CallAsync((c, o) => c.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, o)).WithTimeout();
            var entry = Assert.Single(listed.Grants);
            Assert.Equal((bobArn, carolArn, "payroll-writer"), (entry.GranteePrincipal, entry.RetiringPrincipal, entry.Name));
            Assert.Equal([GrantOperation.Decrypt, GrantOperation.Encrypt], entry.Operations.Order());
            Assert.Equal("hr", entry.Constraints.EncryptionContextSubset["dept"]);
            await ExpectAsync("AccessDeniedException", () => bob.CallAsync((c, o) => c.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, o)));
            var retirable = await carol.CallAsync((c, o) => c.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = carolArn }, o)).WithTimeout();
            Assert.Equal(grant.GrantId, Assert.Single(retirable.Grants).GrantId);

            // The grantee cannot retire it (no RetireGrant operation); the retiring principal can, by token; effect is immediate.
            await ExpectAsync("AccessDeniedException", () => bob.CallAsync((c, o) => c.RetireGrantAsync(new RetireGrantRequest { GrantToken = grant.GrantToken }, o)));
            await carol.CallAsync((c, o) => c.RetireGrantAsync(new RetireGrantRequest { GrantToken = grant.GrantToken }, o)).WithTimeout();
            await ExpectAsync("AccessDeniedException", () => bob.DecryptAsync(decrypt));
            await ExpectAsync("InvalidGrantTokenException", () => carol.CallAsync((c, o) => c.RetireGrantAsync(new RetireGrantRequest { GrantToken = "bm90IGEgdG9rZW4=" }, o)));

            // A second grant, revoked by the key's owner: also immediate.
            var second = await alice.CallAsync((c, o) => c.CreateGrantAsync(new CreateGrantRequest
            {
                KeyId = key.KeyId, GranteePrincipal = bobArn, Operations = { GrantOperation.Decrypt },
            }, o)).WithTimeout();
            Assert.Equal("grant", (await bob.DecryptAsync(decrypt).WithTimeout()).Plaintext.ToStringUtf8());
            await ExpectAsync("AccessDeniedException", () => bob.CallAsync((c, o) => c.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = second.GrantId }, o)));
            await alice.CallAsync((c, o) => c.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = second.GrantId }, o)).WithTimeout();
            await ExpectAsync("AccessDeniedException", () => bob.DecryptAsync(decrypt));
            await ExpectAsync("InvalidGrantIdException", () => alice.CallAsync((c, o) => c.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = second.GrantId }, o)));
            Assert.Empty((await alice.CallAsync((c, o) => c.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, o)).WithTimeout()).Grants);
        }
    }

    [Fact]
    public async Task AGrantHoldingCreateGrant_PassesOnOnlyWhatItHolds_NeverWiderOrLooser()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (aliceArn, _, alice) = await region.UserAsync("alice");
        var (bobArn, _, bob) = await region.UserAsync("bob");
        var (carolArn, _, carol) = await region.UserAsync("carol");
        using (alice)
        using (bob)
        using (carol)
        {
            var key = await OwnedKeyAsync(alice, aliceArn);
            // Bob may decrypt and create grants, only for the hr context.
            await alice.CallAsync((c, o) => c.CreateGrantAsync(new CreateGrantRequest
            {
                KeyId = key.KeyId, GranteePrincipal = bobArn, Operations = { GrantOperation.Decrypt, GrantOperation.CreateGrant },
                Constraints = new GrantConstraints { EncryptionContextSubset = { ["dept"] = "hr" } },
            }, o)).WithTimeout();

            Task<CreateGrantResponse> BobGrants(GrantOperation[] operations, GrantConstraints? constraints) =>
                bob.CallAsync((c, o) => c.CreateGrantAsync(new CreateGrantRequest
                {
                    KeyId = key.KeyId, GranteePrincipal = carolArn, Operations = { operations }, Constraints = constraints,
                }, o));

            // Wider operations, no constraint, or a constraint that does not require hr: refused.
            await ExpectAsync("AccessDeniedException", () => BobGrants([GrantOperation.Decrypt, GrantOperation.Encrypt], new GrantConstraints { EncryptionContextSubset = { ["dept"] = "hr" } }));
            await ExpectAsync("AccessDeniedException", () => BobGrants([GrantOperation.Decrypt], null));
            await ExpectAsync("AccessDeniedException", () => BobGrants([GrantOperation.Decrypt], new GrantConstraints { EncryptionContextSubset = { ["dept"] = "finance" } }));
            // Bob cannot widen his own grant either.
            await ExpectAsync("AccessDeniedException", () => bob.CallAsync((c, o) => c.CreateGrantAsync(new CreateGrantRequest
            {
                KeyId = key.KeyId, GranteePrincipal = bobArn, Operations = { GrantOperation.Encrypt, GrantOperation.CreateGrant },
            }, o)));

            // As strict or stricter, and a subset of his operations: allowed, and it works for carol in that context only.
            await BobGrants([GrantOperation.Decrypt], new GrantConstraints { EncryptionContextSubset = { ["dept"] = "hr", ["team"] = "payroll" } }).WithTimeout();
            await BobGrants([GrantOperation.Decrypt, GrantOperation.CreateGrant], new GrantConstraints { EncryptionContextEquals = { ["dept"] = "hr" } }).WithTimeout();
            var context = new Dictionary<string, string> { ["dept"] = "hr", ["team"] = "payroll" };
            var blob = (await alice.EncryptAsync(Encrypt(key.KeyId, context)).WithTimeout()).CiphertextBlob;
            Assert.Equal("grant", (await carol.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, EncryptionContext = { context } }).WithTimeout()).Plaintext.ToStringUtf8());
        }
    }

    /// <summary>A key whose policy lets <paramref name="ownerArn"/> do everything and nobody else anything.</summary>
    private static async Task<KeyMetadata> OwnedKeyAsync(MrkClient owner, string ownerArn)
    {
        var key = (await owner.CreateKeyAsync(new CreateKeyRequest()).WithTimeout()).KeyMetadata;
        await owner.CallAsync((c, o) => c.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId,
            Policy = SecureRegion.Policy($$"""{"Effect":"Allow","Principal":{"AWS":"{{ownerArn}}"},"Action":"kms:*","Resource":"*"}"""),
        }, o)).WithTimeout();
        return key;
    }

    private static EncryptRequest Encrypt(string keyId, Dictionary<string, string> context) =>
        new() { KeyId = keyId, Plaintext = ByteString.CopyFromUtf8("grant"), EncryptionContext = { context } };

    private static async Task ExpectAsync<T>(string errorCode, Func<Task<T>> call) =>
        Assert.Equal(errorCode, (await Assert.ThrowsAsync<MrkException>(async () => await call().WithTimeout())).ErrorCode);
}
