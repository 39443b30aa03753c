using System.Text;
using Google.Protobuf;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>Acknowledged writes survive SIGKILL; nothing secret reaches the disk or the log; bad start-ups are refused.</summary>
public sealed class DurabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Sigkill_RightAfterCreateAndRotation_KeyAndAllVersionsSurvive()
    {
        var data = _directory.Sub("node");
        KeyMetadata key;
        ByteString first;
        ByteString second;
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            key = await node.CreateAsync(multiRegion: true);
            first = (await node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("v0") }, deadline: Deadline.Soon)).CiphertextBlob;
            await node.Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
            second = (await node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("v1") }, deadline: Deadline.Soon)).CiphertextBlob;
            await node.Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
            await node.KillAsync();
        }

        await using var restarted = await RegionNodeProcess.StartAsync(data, output);
        var described = (await restarted.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Equal(key.Arn, described.Arn);
        Assert.True(described.MultiRegion);
        var rotations = await restarted.Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest
        {
            KeyId = key.KeyId, IncludeKeyMaterial = IncludeKeyMaterial.AllKeyMaterial,
        }, deadline: Deadline.Soon);
        Assert.Equal(3, rotations.Rotations.Count);
        Assert.Equal("v0", (await restarted.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = first }, deadline: Deadline.Soon)).Plaintext.ToStringUtf8());
        Assert.Equal("v1", (await restarted.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = second }, deadline: Deadline.Soon)).Plaintext.ToStringUtf8());
    }

    [Fact]
    public async Task EveryStart_PassesTheCryptoSelfTest_BeforeItListens()
    {
        var data = _directory.Sub("node");
        await using var node = await RegionNodeProcess.StartAsync(data, output);
        var log = node.Log;
        var passed = log.IndexOf("Cryptographic self-test passed", StringComparison.Ordinal);
        var listening = log.IndexOf("Now listening on", StringComparison.Ordinal);
        Assert.True(passed >= 0, "the start logged no self-test");
        Assert.True(listening > passed, "the node listened before its self-test passed");
    }

    [Fact]
    public async Task EveryStart_WarmsUpItsCodePaths_WithoutWritingAnything()
    {
        var data = _directory.Sub("warm");
        await using var node = await RegionNodeProcess.StartAsync(data, output, extra: ["--warm-up", "true"]);
        await node.WaitForLogAsync("Warmed up 4 code paths", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("Warm-up step", node.Log, StringComparison.Ordinal);
        await using var connection = new SqliteConnection($"Data Source={node.StorePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        foreach (var table in new[] { "keys", "key_materials", "audit_records", "outbox" })
        {
            using var count = connection.CreateCommand();
            count.CommandText = $"SELECT COUNT(*) FROM {table}";
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }
    }

    [Fact]
    public async Task SecretsNeverReachTheStoreOrTheLog()
    {
        var data = _directory.Sub("node");
        await using var node = await RegionNodeProcess.StartAsync(data, output);
        var key = await node.CreateAsync();
        var hmac = await node.CreateAsync(KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac);
        var plaintext = Encoding.ASCII.GetBytes("PLAINTEXT-CANARY-7f3a9c1e5b2d4680");
        var encrypted = await node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFrom(plaintext) }, deadline: Deadline.Soon);
        await node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob }, deadline: Deadline.Soon);
        var dataKey = await node.Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.Aes256 }, deadline: Deadline.Soon);
        var pair = await node.Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.EccNistP256 },
            deadline: Deadline.Soon);
        await node.Kms.GenerateMacAsync(new GenerateMacRequest { KeyId = hmac.KeyId, Message = ByteString.CopyFrom(plaintext), MacAlgorithm = MacAlgorithmSpec.HmacSha256 },
            deadline: Deadline.Soon);
        // Failing calls too: their messages must not echo secrets either.
        var tampered = encrypted.CiphertextBlob.ToByteArray();
        tampered[^1] ^= 1;
        await Errors.ExpectAsync("InvalidCiphertextException", node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = ByteString.CopyFrom(tampered) }, deadline: Deadline.Soon));

        var secrets = new[] { plaintext, dataKey.Plaintext.ToByteArray(), pair.PrivateKeyPlaintext.ToByteArray()[^32..] };
        await node.StopAsync();
        var files = Directory.EnumerateFiles(data).Where(f => !f.EndsWith("domain.key", StringComparison.Ordinal))
            .Select(File.ReadAllBytes).ToList();
        var log = node.Log;
        foreach (var secret in secrets)
        {
            foreach (var file in files)
            {
                Assert.Equal(-1, file.AsSpan().IndexOf(secret));
            }

            Assert.DoesNotContain(Convert.ToBase64String(secret), log, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(secret), log, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Encoding.Latin1.GetString(secret), log, StringComparison.Ordinal);
        }

        Assert.Contains("InvalidCiphertextException", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainKeyFileMissing_StoreInUse_RefusesToStart()
    {
        var data = _directory.Sub("node");
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            await node.CreateAsync();
        }

        File.Move(Path.Combine(data, "domain.key"), Path.Combine(data, "domain.key.bak"));
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["--urls", "http://127.0.0.1:0", "--plaintext", "true"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("refusing to start", log, StringComparison.Ordinal);
        Assert.Contains("domain.key", log, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data, "domain.key")), "a new domain key must not be made for a store in use");
    }

    [Fact]
    public async Task DomainKeyReplaced_RefusesToStart()
    {
        var data = _directory.Sub("node");
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            await node.CreateAsync();
        }

        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["--urls", "http://127.0.0.1:0", "--plaintext", "true"],
            new Dictionary<string, string> { ["MRK_DOMAIN_KEY"] = Convert.ToBase64String(new byte[32]) });
        Assert.Equal(2, exitCode);
        Assert.Contains("does not match", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainKeyFile_CreatedWithOwnerOnlyMode()
    {
        var data = _directory.Sub("node");
        await using var node = await RegionNodeProcess.StartAsync(data, output);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "domain.key")));
    }

    [Fact]
    public async Task DataDirectoryAndStore_OwnerOnly_WhateverTheUmask()
    {
        var data = _directory.Sub("node");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            await node.CreateAsync();
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
            foreach (var file in new[] { "region.db", "region.db-wal", "region.db-shm" }.Select(f => Path.Combine(data, f)).Where(File.Exists))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public async Task DomainKeyFile_ReadableByOthers_RefusesToStart()
    {
        var data = _directory.Sub("node");
        await using (await RegionNodeProcess.StartAsync(data, output))
        {
        }

        var keyFile = Path.Combine(data, "domain.key");
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["--urls", "http://127.0.0.1:0", "--plaintext", "true"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("chmod 600", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlaintextThroughKestrelsOwnConfiguration_OnEveryInterface_Refused()
    {
        // --urls is loopback, but Kestrel's own endpoint configuration (here from the environment) binds every interface:
        // the check reads the addresses Kestrel bound, not the flag.
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("node"), "us-east-1",
            ["--urls", "http://127.0.0.1:0", "--plaintext", "true"],
            new Dictionary<string, string> { ["Kestrel__Endpoints__Open__Url"] = "http://0.0.0.0:0" });
        Assert.Equal(2, exitCode);
        Assert.Contains("Plaintext is refused", log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://192.0.2.1:0")]
    public async Task Plaintext_OnNonLoopbackAddress_Refused(string url)
    {
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("node"), "us-east-1", ["--urls", url, "--plaintext", "true"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("Plaintext is refused", log, StringComparison.Ordinal);
        Assert.Contains("only on loopback", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plaintext_NotAskedFor_Refused()
    {
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("node"), "us-east-1", ["--urls", "http://127.0.0.1:0"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("without TLS", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestClock_NotServedOutsideTestMode()
    {
        await using var node = await RegionNodeProcess.StartAsync(_directory.Sub("node"), output, testMode: false);
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => node.AdvanceClockAsync(TimeSpan.FromDays(1)));
        Assert.Equal(Grpc.Core.StatusCode.Unimplemented, error.StatusCode);
    }

    [Theory]
    [InlineData("bad_region")]
    [InlineData("useast1")]
    [InlineData("")]
    public async Task InvalidRegionName_Refused(string region)
    {
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(_directory.Sub("node"), region, ["--urls", "http://127.0.0.1:0", "--plaintext", "true"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("--region", log, StringComparison.Ordinal);
    }
}
