using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>The newcomer's walk-through with the real `mrk` binary: --region addressing, replicate, encrypt, kill, decrypt elsewhere.</summary>
public sealed class MultiRegionCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RegionAddressing_ReplicateEncryptKillPrimaryDecryptElsewhere_ThenStatusAndPrimaryChange()
    {
        await using var cluster = await StartAsync(output);
        var file = cluster.WriteClusterFile();
        var work = cluster.DataDirectory("cli");
        Directory.CreateDirectory(work);
        async Task<string> Mrk(params string[] arguments)
        {
            var (exitCode, stdout, stderr) = await MrkCli.RunAsync(work, ["--cluster-file", file, .. arguments]);
            Assert.True(exitCode == 0, $"mrk {string.Join(' ', arguments)} failed ({exitCode}): {stderr}");
            return stdout.Trim();
        }

        var keyId = await Mrk("--region", East, "create-key", "--multi-region", "--query", "KeyMetadata.KeyId", "--output", "text");
        Assert.StartsWith("mrk-", keyId, StringComparison.Ordinal);
        Assert.Equal("Creating", await Mrk("--region", East, "replicate-key", "--key-id", keyId, "--replica-region", West,
            "--query", "ReplicaKeyMetadata.KeyState", "--output", "text"));
        await cluster.UntilAsync(West, keyId, m => m.KeyState == V1.KeyState.Enabled);
        var blob = await Mrk("--region", East, "encrypt", "--key-id", keyId, "--plaintext", "aGVsbG8gd29ybGQ=", "--query", "CiphertextBlob", "--output", "text");

        await cluster.KillRegionAsync(East);
        Assert.Equal("aGVsbG8gd29ybGQ=", await Mrk("--region", West, "decrypt", "--ciphertext-blob", blob, "--query", "Plaintext", "--output", "text"));

        var status = await Mrk("cluster", "status", "--output", "table");
        Assert.Matches(@"Regions\[\d\]\.Health\s+SERVING", status);
        Assert.Matches(@"Regions\[\d\]\.Health\s+UNREACHABLE", status);

        await cluster.StartRegionAsync(East);
        file = cluster.WriteClusterFile();
        await Mrk("--region", East, "update-primary-region", "--key-id", keyId, "--primary-region", West);
        await cluster.UntilAsync(East, keyId, m => m.MultiRegionConfiguration.PrimaryKey.Region == West && m.KeyState == V1.KeyState.Enabled);
        Assert.Equal("PRIMARY", await Mrk("--region", West, "describe-key", "--key-id", keyId,
            "--query", "KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType", "--output", "text"));

        var (code, _, error) = await MrkCli.RunAsync(work, ["--cluster-file", file, "--region", "eu-central-1", "list-keys"]);
        Assert.Equal(252, code);
        Assert.Contains("lists no Region eu-central-1", error, StringComparison.Ordinal);
    }
}
