using System.Text.Json;
using Grpc.Mrk.Cluster.Tests.Infrastructure;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>The `mrk` command line against a real node: the README's tour, output formats and error exits.</summary>
public sealed class CliTests(RegionNodeFixture fixture) : IClassFixture<RegionNodeFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    private RegionNodeProcess Node => fixture.Node;

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task Tour_CreateAliasEncryptDecryptSignMacRotateDelete()
    {
        var keyId = await MrkCli.OkAsync(Node, _work.Path, "create-key", "--description", "cli tour", "--tags", "TagKey=team,TagValue=payments",
            "--query", "KeyMetadata.KeyId", "--output", "text");
        Assert.Matches("^[0-9a-f-]{36}$", keyId);
        await MrkCli.OkAsync(Node, _work.Path, "create-alias", "--alias-name", "alias/cli-tour", "--target-key-id", keyId);

        await File.WriteAllTextAsync(_work.Sub("secret.txt"), "top secret from the cli");
        var ciphertext = await MrkCli.OkAsync(Node, _work.Path, "encrypt", "--key-id", "alias/cli-tour", "--plaintext", "fileb://secret.txt",
            "--encryption-context", "app=tour,env=test", "--query", "CiphertextBlob", "--output", "text");
        await File.WriteAllBytesAsync(_work.Sub("secret.enc"), Convert.FromBase64String(ciphertext));
        var plaintext = await MrkCli.OkAsync(Node, _work.Path, "decrypt", "--ciphertext-blob", "fileb://secret.enc",
            "--encryption-context", "env=test", "app=tour", "--query", "Plaintext", "--output", "text");
        Assert.Equal("top secret from the cli", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(plaintext)));

        var json = await MrkCli.OkAsync(Node, _work.Path, "describe-key", "--key-id", "alias/cli-tour");
        using (var document = JsonDocument.Parse(json))
        {
            var metadata = document.RootElement.GetProperty("KeyMetadata");
            Assert.Equal("Enabled", metadata.GetProperty("KeyState").GetString());
            Assert.Equal("SYMMETRIC_DEFAULT", metadata.GetProperty("KeySpec").GetString());
            Assert.Equal("ENCRYPT_DECRYPT", metadata.GetProperty("KeyUsage").GetString());
            Assert.Equal("cli tour", metadata.GetProperty("Description").GetString());
        }

        // The decrypt is the key's last use, its operation spelled as AWS spells it (records are group-committed after the answer).
        await Eventually.TrueAsync(async () => await MrkCli.OkAsync(Node, _work.Path, "get-key-last-usage", "--key-id", keyId,
            "--query", "KeyLastUsage.Operation", "--output", "text") == "Decrypt", TimeSpan.FromSeconds(20), "the decrypt as the key's last usage");

        var signingKey = await MrkCli.OkAsync(Node, _work.Path, "create-key", "--key-spec", "ECC_NIST_P256", "--key-usage", "SIGN_VERIFY",
            "--query", "KeyMetadata.KeyId", "--output", "text");
        var signature = await MrkCli.OkAsync(Node, _work.Path, "sign", "--key-id", signingKey, "--message", "fileb://secret.txt",
            "--message-type", "RAW", "--signing-algorithm", "ECDSA_SHA_256", "--query", "Signature", "--output", "text");
        var valid = await MrkCli.OkAsync(Node, _work.Path, "verify", "--key-id", signingKey, "--message", "fileb://secret.txt",
            "--signature", signature, "--signing-algorithm", "ECDSA_SHA_256", "--query", "SignatureValid", "--output", "text");
        Assert.Equal("true", valid);

        var macKey = await MrkCli.OkAsync(Node, _work.Path, "create-key", "--key-spec", "HMAC_256", "--key-usage", "GENERATE_VERIFY_MAC",
            "--query", "KeyMetadata.KeyId", "--output", "text");
        var mac = await MrkCli.OkAsync(Node, _work.Path, "generate-mac", "--key-id", macKey, "--message", "fileb://secret.txt",
            "--mac-algorithm", "HMAC_SHA_256", "--query", "Mac", "--output", "text");
        Assert.Equal(32, Convert.FromBase64String(mac).Length);

        await MrkCli.OkAsync(Node, _work.Path, "enable-key-rotation", "--key-id", keyId, "--rotation-period-in-days", "180");
        Assert.Equal("180", await MrkCli.OkAsync(Node, _work.Path, "get-key-rotation-status", "--key-id", keyId,
            "--query", "RotationPeriodInDays", "--output", "text"));
        await MrkCli.OkAsync(Node, _work.Path, "rotate-key-on-demand", "--key-id", keyId);
        var table = await MrkCli.OkAsync(Node, _work.Path, "list-key-rotations", "--key-id", keyId, "--output", "table");
        Assert.Contains("ON_DEMAND", table, StringComparison.Ordinal);

        var state = await MrkCli.OkAsync(Node, _work.Path, "schedule-key-deletion", "--key-id", keyId, "--pending-window-in-days", "7",
            "--query", "KeyState", "--output", "text");
        Assert.Equal("PendingDeletion", state);
    }

    [Fact]
    public async Task ServiceError_ExitCode254WithAwsExceptionName()
    {
        var (exitCode, _, error) = await MrkCli.RunAsync(Node, _work.Path, "describe-key", "--key-id", "alias/no-such-alias");
        Assert.Equal(254, exitCode);
        Assert.Contains("An error occurred (NotFoundException) when calling the DescribeKey operation:", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("create-key", "--key-spec", "RSA_1024")]
    [InlineData("encrypt", "--key-id", "alias/x", "--plaintext", "not base64!")]
    [InlineData("encrypt", "--key-id", "alias/x", "--plaintext", "fileb:///no/such/file")]
    [InlineData("list-keys", "--limit", "many")]
    [InlineData("list-keys", "--no-such-option")]
    [InlineData("no-such-command")]
    public async Task UsageError_ExitCode252(params string[] arguments)
    {
        var (exitCode, _, error) = await MrkCli.RunAsync(Node, _work.Path, arguments);
        Assert.Equal(252, exitCode);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    /// <summary>create-grant --constraints takes what its help advertises: the AWS CLI's shorthand, or JSON.</summary>
    [Fact]
    public async Task CreateGrant_Constraints_AsHelpSaysShorthandOrJson()
    {
        var (_, help, _) = await MrkCli.RunAsync(Node, _work.Path, "create-grant", "--help");
        Assert.Contains("EncryptionContextSubset={key=value,...}", help, StringComparison.Ordinal);
        var keyId = await MrkCli.OkAsync(Node, _work.Path, "create-key", "--query", "KeyMetadata.KeyId", "--output", "text");
        const string grantee = "arn:aws:iam::111122223333:root";
        foreach (var constraints in new[] { "EncryptionContextSubset={Department=IT,Project=Alpha}", """{"EncryptionContextSubset":{"Department":"IT","Project":"Alpha"}}""" })
        {
            var grantId = await MrkCli.OkAsync(Node, _work.Path, "create-grant", "--key-id", keyId, "--grantee-principal", grantee,
                "--operations", "Decrypt", "--constraints", constraints, "--query", "GrantId", "--output", "text");
            var listed = await MrkCli.OkAsync(Node, _work.Path, "list-grants", "--key-id", keyId, "--grant-id", grantId);
            using var document = JsonDocument.Parse(listed);
            var subset = document.RootElement.GetProperty("Grants")[0].GetProperty("Constraints").GetProperty("EncryptionContextSubset");
            Assert.Equal("IT", subset.GetProperty("Department").GetString());
            Assert.Equal("Alpha", subset.GetProperty("Project").GetString());
            await MrkCli.OkAsync(Node, _work.Path, "revoke-grant", "--key-id", keyId, "--grant-id", grantId);
        }

        var (exitCode, _, error) = await MrkCli.RunAsync(Node, _work.Path, "create-grant", "--key-id", keyId, "--grantee-principal", grantee,
            "--operations", "Decrypt", "--constraints", "EncryptionContextSomething={a=b}");
        Assert.Equal(252, exitCode);
        Assert.Contains("EncryptionContextSubset", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GenerateRandom_TextOutputIsBase64OfRequestedLength()
    {
        var random = await MrkCli.OkAsync(Node, _work.Path, "generate-random", "--number-of-bytes", "48", "--query", "Plaintext", "--output", "text");
        Assert.Equal(48, Convert.FromBase64String(random).Length);
    }
}
