using Google.Protobuf;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.Identity;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// A Region that requires credentials: API keys and client certificates name principals, key policies decide per call,
/// revocation takes effect at once, and Decrypt refuses without telling whether the key exists.
/// </summary>
public sealed class AccessControlTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Principals_ApiKeysAndCertificates_PoliciesDecide_RevocationImmediate()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (layout, node) = (region.Layout, region.Node);
        MrkClient Client(string? apiKey = null, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null) =>
            region.Client(apiKey, certificate);

        // No credentials, a made-up key, and the admin API without the operator certificate: all refused.
        using (var anonymous = Client())
        {
            Assert.Equal("MissingAuthenticationTokenException", (await Assert.ThrowsAsync<MrkException>(() => anonymous.CreateKeyAsync(new CreateKeyRequest()).WithTimeout())).ErrorCode);
            Assert.Equal("MissingAuthenticationTokenException", (await Assert.ThrowsAsync<MrkException>(() =>
                anonymous.InvokeAsync(Method("CreatePrincipal"), new CreatePrincipalRequest { Name = "eve" }).WithTimeout())).ErrorCode);
        }

        using (var forger = Client("mrk_0011223344556677_notarealsecret"))
        {
            Assert.Equal("UnrecognizedClientException", (await Assert.ThrowsAsync<MrkException>(() => forger.CreateKeyAsync(new CreateKeyRequest()).WithTimeout())).ErrorCode);
        }

        // The operator creates two principals and an API key for each.
        var admin = region.Admin;
        var alice = (PrincipalEntry)await admin.InvokeAsync(Method("CreatePrincipal"), new CreatePrincipalRequest { Name = "alice" }).WithTimeout();
        var bob = (PrincipalEntry)await admin.InvokeAsync(Method("CreatePrincipal"), new CreatePrincipalRequest { Name = "bob" }).WithTimeout();
        Assert.Equal("arn:aws:iam::111122223333:user/alice", alice.Arn);
        var aliceKey = (CreateApiKeyResponse)await admin.InvokeAsync(Method("CreateApiKey"), new CreateApiKeyRequest { PrincipalArn = alice.Arn }).WithTimeout();
        var bobKey = (CreateApiKeyResponse)await admin.InvokeAsync(Method("CreateApiKey"), new CreateApiKeyRequest { PrincipalArn = bob.Arn }).WithTimeout();
        Assert.StartsWith("mrk_", aliceKey.Token, StringComparison.Ordinal);

        using var asAlice = Client(aliceKey.Token);
        using var asBob = Client(bobKey.Token);
        var key = (await asAlice.CreateKeyAsync(new CreateKeyRequest { Description = "payroll" }).WithTimeout()).KeyMetadata;

        // A policy that would lock alice out is refused; then alice may do everything, bob may only encrypt.
        var lockout = Policy($$"""{"Effect":"Allow","Principal":{"AWS":"{{bob.Arn}}"},"Action":"kms:*","Resource":"*"}""");
        var refused = await Assert.ThrowsAsync<MrkException>(() => asAlice.CallAsync((c, o) =>
            c.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout }, o)).WithTimeout());
        Assert.Equal("MalformedPolicyDocumentException", refused.ErrorCode);
        var policy = Policy(
            $$"""{"Sid":"owner","Effect":"Allow","Principal":{"AWS":"{{alice.Arn}}"},"Action":"kms:*","Resource":"*"}""",
            $$"""{"Sid":"writer","Effect":"Allow","Principal":{"AWS":"{{bob.Arn}}"},"Action":["kms:Encrypt","kms:GenerateDataKey*"],"Resource":"*"}""");
        await asAlice.CallAsync((c, o) => c.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, o)).WithTimeout();

        var ciphertext = (await asBob.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("salaries") }).WithTimeout())
            .CiphertextBlob;
        Assert.Equal("salaries", (await asAlice.DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }).WithTimeout()).Plaintext.ToStringUtf8());
        var denied = await Assert.ThrowsAsync<MrkException>(() => asBob.DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }).WithTimeout());
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Equal("AccessDeniedException", (await Assert.ThrowsAsync<MrkException>(() => asBob.DescribeKeyAsync(key.KeyId).WithTimeout())).ErrorCode);

        // Decrypt of a ciphertext whose key does not exist answers exactly as a denied one.
        var ghost = ciphertext.ToByteArray();
        var unknownKey = await asAlice.CreateKeyAsync(new CreateKeyRequest()).WithTimeout();
        var foreign = (await asAlice.EncryptAsync(new EncryptRequest { KeyId = unknownKey.KeyMetadata.KeyId, Plaintext = ByteString.CopyFromUtf8("x") }).WithTimeout())
            .CiphertextBlob.ToByteArray();
        var idOffset = Convert.ToHexString(foreign).IndexOf(Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(unknownKey.KeyMetadata.KeyId)),
            StringComparison.Ordinal) / 2;
        System.Text.Encoding.ASCII.GetBytes("00000000-0000-4000-8000-000000000000").CopyTo(foreign, idOffset);
        var missing = await Assert.ThrowsAsync<MrkException>(() => asBob.DecryptAsync(new DecryptRequest { CiphertextBlob = ByteString.CopyFrom(foreign) }).WithTimeout());
        Assert.Equal(denied.ErrorCode, missing.ErrorCode);
        Assert.Equal(denied.Message, missing.Message);
        Assert.NotEmpty(ghost);

        // A client certificate names a principal; it counts only while that principal exists in the Region's store.
        var issued = ClusterBootstrap.IssueClient(layout, ClusterRole.Role, "carol", TimeProvider.System);
        using var carolCertificate = ClusterPki.Load(issued.Certificate, issued.Key);
        using var asCarol = Client(certificate: carolCertificate);
        Assert.Equal("UnrecognizedClientException", (await Assert.ThrowsAsync<MrkException>(() =>
            asCarol.CreateKeyAsync(new CreateKeyRequest()).WithTimeout())).ErrorCode);
        var carol = (PrincipalEntry)await admin.InvokeAsync(Method("CreatePrincipal"), new CreatePrincipalRequest { Name = "carol", Type = "role" }).WithTimeout();

        // Once it exists, carol (a role) is that principal, and has no right on the key.
        var carolDenied = await Assert.ThrowsAsync<MrkException>(() => asCarol.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x") }).WithTimeout());
        Assert.Contains("role/carol", carolDenied.Message, StringComparison.Ordinal);
        var carolKey = await asCarol.CreateKeyAsync(new CreateKeyRequest()).WithTimeout();
        Assert.False(string.IsNullOrEmpty(carolKey.KeyMetadata.KeyId));

        // Deleting the principal refuses its certificate on the next call, though the certificate is still valid.
        await admin.InvokeAsync(Method("DeletePrincipal"), new DeletePrincipalRequest { PrincipalArn = carol.Arn }).WithTimeout();
        Assert.Equal("UnrecognizedClientException", (await Assert.ThrowsAsync<MrkException>(() =>
            asCarol.CreateKeyAsync(new CreateKeyRequest()).WithTimeout())).ErrorCode);

        // Revoking bob's key takes effect on his next call.
        await admin.InvokeAsync(Method("RevokeApiKey"), new RevokeApiKeyRequest { KeyId = bobKey.KeyId }).WithTimeout();
        Assert.Equal("UnrecognizedClientException", (await Assert.ThrowsAsync<MrkException>(() =>
            asBob.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x") }).WithTimeout())).ErrorCode);
        var keys = (ListApiKeysResponse)await admin.InvokeAsync(Method("ListApiKeys"), new ListApiKeysRequest { PrincipalArn = bob.Arn }).WithTimeout();
        Assert.NotNull(Assert.Single(keys.ApiKeys).RevokedAt);

        // The store holds only hashes of the API keys.
        var store = await File.ReadAllBytesAsync(node.StorePath);
        Assert.Equal(-1, store.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(TokenText.SecretOf(aliceKey.Token))));
        Assert.DoesNotContain(aliceKey.Token, node.Log, StringComparison.Ordinal);
    }

    /// <summary>
    /// An AWS access key pair through the admin API (and `mrk admin`): the secret is shown once, never listed, never in
    /// the audit log, the node's log or the store's bytes; revoked at once.
    /// </summary>
    [Fact]
    public async Task AccessKeys_SecretShownOnce_NeverRecordedOrStoredInTheClear()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (aliceArn, _, alice) = await region.UserAsync("alice");
        alice.Dispose();
        var work = _directory.Sub("cli");
        Directory.CreateDirectory(work);
        var (exitCode, json, error) = await MrkCli.RunAsync(work, ["--endpoint", region.Node.Endpoint.ToString(), "--ca-bundle", region.Layout.AuthorityCertificate,
            "--client-cert", Path.Combine(region.Layout.Root, "operator"), "admin", "create-access-key", "--principal-arn", aliceArn]);
        Assert.True(exitCode == 0, error);
        using var created = System.Text.Json.JsonDocument.Parse(json);
        var accessKeyId = created.RootElement.GetProperty("AccessKeyId").GetString()!;
        var secret = created.RootElement.GetProperty("SecretAccessKey").GetString()!;
        Assert.Matches("^AKIA[A-Z2-7]{16}$", accessKeyId);
        Assert.Equal(40, secret.Length);

        var listed = (ListAccessKeysResponse)await region.AdminAsync("ListAccessKeys", new ListAccessKeysRequest { PrincipalArn = aliceArn });
        Assert.Equal(accessKeyId, Assert.Single(listed.AccessKeys).AccessKeyId);
        Assert.DoesNotContain(secret, listed.ToString(), StringComparison.Ordinal);
        await region.AdminAsync("RevokeAccessKey", new RevokeAccessKeyRequest { AccessKeyId = accessKeyId });
        Assert.NotNull(Assert.Single(((ListAccessKeysResponse)await region.AdminAsync("ListAccessKeys", new ListAccessKeysRequest { PrincipalArn = aliceArn }))
            .AccessKeys).RevokedAt);

        var records = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            var page = (ListAuditRecordsResponse)await region.Admin.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout();
            records = [.. page.Records.Select(r => r.Json)];
            return records.Any(r => r.Contains("\"RevokeAccessKey\"", StringComparison.Ordinal))
                   && records.Any(r => r.Contains("\"CreateAccessKey\"", StringComparison.Ordinal));
        });
        Assert.All(records, r => Assert.DoesNotContain(secret, r, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, region.Node.Log, StringComparison.Ordinal);
        Assert.Null(StoredMaterial.FindIn(region.Node.DataDirectory, System.Text.Encoding.ASCII.GetBytes(secret)));
    }

    private static Google.Protobuf.Reflection.MethodDescriptor Method(string name) =>
        PrincipalAdmin.Descriptor.Methods.Single(m => m.Name == name);

    private static string Policy(params string[] statements) => SecureRegion.Policy(statements);
}
