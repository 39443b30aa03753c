using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests.AwsProtocol;

/// <summary>
/// The AWS CLI, the AWS SDK for JavaScript v3 and the AWS Encryption SDK for JavaScript, unchanged, against a
/// three-Region cluster over TLS (in its insecure local mode, as scripts/run-local.sh runs it): the README's
/// multi-Region tour with `aws kms`, and the Encryption SDK's multi-Region-aware keyrings across Regions.
/// </summary>
public sealed class AwsClientsTourTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AwsCli_RunsTheMultiRegionTour()
    {
        Assert.True(ExternalTool.Exists("aws"), "The AWS CLI is needed on the PATH (scripts/test.sh installs Debian's awscli when none is there).");
        await using var cluster = await ThreeRegionCluster.StartAsync(output, tls: true);
        var aws = new AwsCli(cluster, _directory.Path);
        output.WriteLine(await aws.VersionAsync());

        var keyId = (await aws.OkAsync(East, "create-key", "--multi-region", "--description", "tour")).GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        await aws.OkAsync(East, "replicate-key", "--key-id", keyId, "--replica-region", West);
        await aws.OkAsync(East, "replicate-key", "--key-id", keyId, "--replica-region", Sydney);
        // NotFoundException until replication reaches eu-west-1, then Creating, then Enabled.
        await Eventually.TrueAsync(async () => await aws.RunAsync(West, "describe-key", "--key-id", keyId) is (0, var described, _)
                                               && described.Contains("\"KeyState\": \"Enabled\"", StringComparison.Ordinal));

        var plaintext = _directory.Sub("plaintext.txt");
        await File.WriteAllTextAsync(plaintext, "tour secret");
        var ciphertext = _directory.Sub("ciphertext.bin");
        var encrypted = await aws.OkAsync(East, "encrypt", "--key-id", keyId, "--plaintext", $"fileb://{plaintext}", "--encryption-context", "purpose=tour");
        await File.WriteAllBytesAsync(ciphertext, Convert.FromBase64String(encrypted.GetProperty("CiphertextBlob").GetString()!));

        // us-east-1 stops; eu-west-1 decrypts on its own.
        await cluster.KillRegionAsync(East);
        var decrypted = await aws.OkAsync(West, "decrypt", "--ciphertext-blob", $"fileb://{ciphertext}", "--encryption-context", "purpose=tour");
        Assert.Equal("tour secret", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(decrypted.GetProperty("Plaintext").GetString()!)));
        await cluster.StartRegionAsync(East);
        await cluster.AllConnectedAsync();

        // The primary moves to eu-west-1, which rotates; every Region lists the rotation.
        await aws.OkAsync(East, "update-primary-region", "--key-id", keyId, "--primary-region", West);
        await Eventually.TrueAsync(async () => (await aws.OkAsync(West, "describe-key", "--key-id", keyId))
            .GetProperty("KeyMetadata").GetProperty("MultiRegionConfiguration").GetProperty("MultiRegionKeyType").GetString() == "PRIMARY");
        await aws.OkAsync(West, "rotate-key-on-demand", "--key-id", keyId);
        foreach (var region in Regions)
        {
            await Eventually.TrueAsync(async () =>
                (await aws.OkAsync(region, "list-key-rotations", "--key-id", keyId)).GetProperty("Rotations").GetArrayLength() == 1);
        }

        // A refusal arrives with AWS's name, as the CLI prints it.
        var (exitCode, _, error) = await aws.RunAsync(West, "describe-key", "--key-id", "alias/none");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("NotFoundException", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptionSdk_MultiRegionKeyrings_StrictAndDiscovery_AcrossRegions()
    {
        await using var cluster = await ThreeRegionCluster.StartAsync(output, tls: true);
        var js = await AwsJs.PrepareAsync(cluster);
        var created = await js.OkAsync(East, "call", "CreateKey", """{"MultiRegion":true,"Description":"keyrings"}""");
        var keyArn = created.GetProperty("KeyMetadata").GetProperty("Arn").GetString()!;
        var account = created.GetProperty("KeyMetadata").GetProperty("AWSAccountId").GetString()!;
        foreach (var region in new[] { West, Sydney })
        {
            await js.OkAsync(East, "call", "ReplicateKey", JsonSerializer.Serialize(new { KeyId = keyArn, ReplicaRegion = region }));
            await Eventually.TrueAsync(async () => await js.RunAsync(region, "call", "DescribeKey", JsonSerializer.Serialize(new { KeyId = keyArn.Split('/')[1] }))
                is (0, var described, _) && described.Contains("\"KeyState\":\"Enabled\"", StringComparison.Ordinal));
        }

        var plaintext = _directory.Sub("plaintext.bin");
        var secret = RandomNumberGenerator.GetBytes(3000);
        await File.WriteAllBytesAsync(plaintext, secret);
        var message = _directory.Sub("message.bin");
        await js.OkAsync(East, "encrypt", keyArn, plaintext, message);

        var strict = _directory.Sub("strict.bin");
        var header = await js.OkAsync(West, "decrypt-strict", keyArn, message, strict);
        Assert.Equal(secret, await File.ReadAllBytesAsync(strict));
        Assert.Equal("tour", header.GetProperty("encryptionContext").GetProperty("purpose").GetString());

        // With us-east-1 stopped, the discovery keyring in ap-southeast-2 finds its own replica of the key.
        await cluster.KillRegionAsync(East);
        var discovered = _directory.Sub("discovered.bin");
        await js.OkAsync(Sydney, "decrypt-discovery", account, message, discovered);
        Assert.Equal(secret, await File.ReadAllBytesAsync(discovered));

        // A discovery filter naming another account decrypts nothing.
        var (exitCode, refused, _) = await js.RunAsync(Sydney, "decrypt-discovery", "999999999999", message, _directory.Sub("refused.bin"));
        Assert.Equal(3, exitCode);
        Assert.Contains("error", refused, StringComparison.Ordinal);
        Assert.False(File.Exists(_directory.Sub("refused.bin")));
    }

    public void Dispose() => _directory.Dispose();
}
