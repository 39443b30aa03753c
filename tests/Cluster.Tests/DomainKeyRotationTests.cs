using Google.Protobuf;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>`rotate-domain-key` re-wraps a stopped Region under a new domain key; the old key no longer opens it.</summary>
public sealed class DomainKeyRotationTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RotateDomainKey_StoppedNode_EverythingStillDecryptsAndOldKeyIsRefused()
    {
        var data = _directory.Sub("node");
        ByteString blob;
        string keyId;
        string externalKeyId;
        GetParametersForImportResponse unusedToken;
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            var key = await node.CreateAsync();
            keyId = key.KeyId;
            // An import token issued before the rotation: its private wrapping key must be re-wrapped too.
            externalKeyId = (await node.Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.External }, deadline: Deadline.Soon)).KeyMetadata.KeyId;
            unusedToken = await node.Kms.GetParametersForImportAsync(new GetParametersForImportRequest
            {
                KeyId = externalKeyId, WrappingAlgorithm = AlgorithmSpec.RsaesOaepSha256, WrappingKeySpec = WrappingKeySpec.Rsa2048,
            }, deadline: Deadline.Soon);
            await node.Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = keyId }, deadline: Deadline.Soon);
            blob = (await node.Kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = ByteString.CopyFromUtf8("kept") }, deadline: Deadline.Soon)).CiphertextBlob;
            var (refused, refusal) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["rotate-domain-key"]);
            Assert.Equal(2, refused);
            Assert.Contains("Another process is using the data directory", refusal, StringComparison.Ordinal);
        }

        var keyFile = Path.Combine(data, "domain.key");
        var oldKey = await File.ReadAllBytesAsync(keyFile);
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["rotate-domain-key"]);
        Assert.True(exitCode == 0, log);
        Assert.Contains("2 material versions re-wrapped", log, StringComparison.Ordinal);
        Assert.NotEqual(oldKey, await File.ReadAllBytesAsync(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.False(File.Exists(keyFile + ".new"));

        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            var plain = await node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, deadline: Deadline.Soon);
            Assert.Equal("kept", plain.Plaintext.ToStringUtf8());
            await node.Kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = ByteString.CopyFromUtf8("new") }, deadline: Deadline.Soon);
            var wrapped = await OpenSsl.WrapForImportAsync(unusedToken.PublicKey.ToByteArray(), "RSAES_OAEP_SHA_256",
                System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            await node.Kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
            {
                KeyId = externalKeyId, ImportToken = unusedToken.ImportToken, EncryptedKeyMaterial = ByteString.CopyFrom(wrapped),
                ExpirationModel = ExpirationModelType.KeyMaterialDoesNotExpire,
            }, deadline: Deadline.Soon);
        }

        var (withOld, oldLog) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["--urls", "http://127.0.0.1:0", "--plaintext", "true"],
            new Dictionary<string, string> { ["MRK_DOMAIN_KEY"] = Convert.ToBase64String(oldKey) });
        Assert.Equal(2, withOld);
        Assert.Contains("does not match", oldLog, StringComparison.Ordinal);
    }

    /// <summary>
    /// A rotation stopped at each of its crash points: the .new file created but empty, half written, or whole but the
    /// store not yet re-wrapped (the store stays under the old key and the .new goes); the store re-wrapped but the file
    /// not yet renamed (the rotation is finished at start). Each time the Region starts, decrypts what it held, and
    /// rotate-domain-key runs again.
    /// </summary>
    [Theory]
    [InlineData("created-empty")]
    [InlineData("half-written")]
    [InlineData("written-not-committed")]
    [InlineData("committed-not-renamed")]
    public async Task RotationStoppedAtEachCrashPoint_RegionStartsUnderTheRightKey(string crashPoint)
    {
        var data = _directory.Sub("node");
        ByteString blob;
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            var key = await node.CreateAsync();
            blob = (await node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("survives") }, deadline: Deadline.Soon))
                .CiphertextBlob;
        }

        var keyFile = Path.Combine(data, "domain.key");
        var pending = keyFile + ".new";
        var oldKey = await File.ReadAllBytesAsync(keyFile);
        switch (crashPoint)
        {
            case "created-empty":
                await WriteOwnerOnlyAsync(pending, []);
                break;
            case "half-written":
                await WriteOwnerOnlyAsync(pending, System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
                break;
            case "written-not-committed":
                await WriteOwnerOnlyAsync(pending, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                break;
            default:
                // A whole rotation, then the rename undone: the store is under the key in .new, the old one is in place.
                var (rotated, rotationLog) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["rotate-domain-key"]);
                Assert.True(rotated == 0, rotationLog);
                File.Move(keyFile, pending);
                await WriteOwnerOnlyAsync(keyFile, oldKey);
                break;
        }

        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            var plain = await node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, deadline: Deadline.Soon);
            Assert.Equal("survives", plain.Plaintext.ToStringUtf8());
        }

        Assert.False(File.Exists(pending));
        var keyNow = await File.ReadAllBytesAsync(keyFile);
        Assert.Equal(crashPoint != "committed-not-renamed", oldKey.AsSpan().SequenceEqual(keyNow));
        var (again, againLog) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["rotate-domain-key"]);
        Assert.True(again == 0, againLog);
        await using (var node = await RegionNodeProcess.StartAsync(data, output))
        {
            Assert.Equal("survives", (await node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, deadline: Deadline.Soon)).Plaintext.ToStringUtf8());
        }
    }

    private static async Task WriteOwnerOnlyAsync(string path, byte[] bytes)
    {
        await File.WriteAllBytesAsync(path, bytes);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task SecondNodeOnSameDataDirectory_Refused()
    {
        var data = _directory.Sub("node");
        await using var node = await RegionNodeProcess.StartAsync(data, output);
        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["--urls", "http://127.0.0.1:0", "--plaintext", "true"]);
        Assert.Equal(2, exitCode);
        Assert.Contains("Another process is using the data directory", log, StringComparison.Ordinal);
    }
}
