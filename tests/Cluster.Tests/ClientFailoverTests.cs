using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>MrkClient's Region-aware failover: crypto calls move to the next Region holding a related key; writes do not.</summary>
public sealed class ClientFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PreferredRegionDown_CryptoCallsFailOverWithTheArnRewritten_WritesDoNot()
    {
        await using var cluster = await StartAsync(output);
        var key = await cluster[East].CreateAsync(multiRegion: true);
        await cluster.ReplicateAsync(East, key.KeyId, West);
        var options = new MrkClientOptions { MaxRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(50), Timeout = TimeSpan.FromSeconds(5) };
        options.Failover.Add(new MrkRegionEndpoint(West, cluster[West].Endpoint));
        using var client = new MrkClient(cluster[East].Endpoint, options);

        var before = await client.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = ByteString.CopyFromUtf8("failover") }).WithTimeout();
        Assert.Equal(key.Arn, before.KeyId);
        await cluster.KillRegionAsync(East);

        var decrypted = await client.DecryptAsync(new DecryptRequest { CiphertextBlob = before.CiphertextBlob, KeyId = key.Arn }).WithTimeout();
        Assert.Equal("failover", decrypted.Plaintext.ToStringUtf8());
        Assert.Equal($"arn:aws:kms:{West}:111122223333:key/{key.KeyId}", decrypted.KeyId);
        var after = await client.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = ByteString.CopyFromUtf8("written in west") }).WithTimeout();
        Assert.Contains(West, after.KeyId, StringComparison.Ordinal);
        Assert.Equal(KeyState.Enabled, (await client.DescribeKeyAsync(key.KeyId).WithTimeout()).KeyMetadata.KeyState);

        // Creating a key is a write: it must not land in another Region than the caller chose.
        var refused = await Assert.ThrowsAsync<MrkException>(() => client.CreateKeyAsync(new CreateKeyRequest()).WithTimeout());
        Assert.Equal("DependencyTimeoutException", refused.ErrorCode);
        var methods = KeyManagementService.Descriptor.Methods;
        await Assert.ThrowsAsync<MrkException>(() => client.InvokeAsync(methods.First(m => m.Name == "ScheduleKeyDeletion"),
            new ScheduleKeyDeletionRequest { KeyId = key.Arn, PendingWindowInDays = 7 }).WithTimeout());
        Assert.Equal(KeyState.Enabled, (await cluster.DescribeAsync(West, key.KeyId)).KeyState);
        var signed = await client.InvokeAsync(methods.First(m => m.Name == "GenerateRandom"), new GenerateRandomRequest { NumberOfBytes = 8 }).WithTimeout();
        Assert.Equal(8, ((GenerateRandomResponse)signed).Plaintext.Length);
    }
}
