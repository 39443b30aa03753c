using Google.Protobuf;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>
/// Request quotas on the API of a node that enforces them (rates lowered so a test reaches them): a call over its
/// quota is refused with ThrottlingException and changes nothing, the quota refills with time, the shared
/// cryptographic quotas are shared by the operations and separate by key type, and MrkClient retries throttled calls.
/// </summary>
public sealed class RequestQuotaTests
{
    private static readonly string[] LowRates =
    [
        "--request-quotas", "true", "--Mrk:RequestRates:CreateKey", "2", "--Mrk:RequestRates:Symmetric", "3",
    ];

    [Fact]
    public async Task OverItsQuota_ACallIsThrottled_ChangesNothing_AndIsServedOnceTheQuotaRefills()
    {
        // One CreateKey in 4 seconds: the second call comes long before the first's token is back, however slow the machine.
        await using var node = await InProcessRegionNode.StartAsync(extra: ["--request-quotas", "true", "--Mrk:RequestRates:CreateKey", "0.25"]);
        await node.CreateAsync();
        var refusal = await Errors.ExpectAsync("ThrottlingException", node.Kms.CreateKeyAsync(new CreateKeyRequest { Description = "one too many" },
            deadline: Deadline.Soon));
        Assert.Equal(StatusCode.ResourceExhausted, refusal.StatusCode);
        Assert.Equal("Rate exceeded", refusal.Status.Detail);
        var wait = MrkErrors.RetryDelayOf(refusal);
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(4));
        Assert.Single((await node.Kms.ListKeysAsync(new ListKeysRequest(), deadline: Deadline.Soon)).Keys);

        // Other operations have quotas of their own.
        await node.Kms.ListKeysAsync(new ListKeysRequest(), deadline: Deadline.Soon);
        await Task.Delay(wait.Value + TimeSpan.FromMilliseconds(50));
        await node.CreateAsync(description: "after the wait");
        Assert.Equal(2, (await node.Kms.ListKeysAsync(new ListKeysRequest(), deadline: Deadline.Soon)).Keys.Count);
    }

    [Fact]
    public async Task TheSymmetricQuota_IsSharedByItsOperations_AndAnRsaKeysUseDrawsOnAnother()
    {
        // One symmetric request every four seconds: what the first takes, every kind after it finds gone.
        await using var node = await InProcessRegionNode.StartAsync(extra: ["--request-quotas", "true", "--Mrk:RequestRates:Symmetric", "0.25"]);
        var symmetric = await node.CreateAsync();
        var rsa = await node.CreateAsync(KeySpec.Rsa2048, KeyUsageType.EncryptDecrypt);
        var plaintext = ByteString.CopyFromUtf8("quota");

        var ciphertext = (await node.Kms.EncryptAsync(new EncryptRequest { KeyId = symmetric.KeyId, Plaintext = plaintext }, deadline: Deadline.Soon))
            .CiphertextBlob;
        await Errors.ExpectAsync("ThrottlingException", node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ThrottlingException", node.Kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 16 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ThrottlingException", node.Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest
        {
            KeyId = symmetric.KeyId, KeySpec = DataKeySpec.Aes256,
        }, deadline: Deadline.Soon));

        // The RSA key's quota is its own, and describing a key is not a cryptographic request.
        await node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = rsa.KeyId, Plaintext = plaintext, EncryptionAlgorithm = EncryptionAlgorithmSpec.RsaesOaepSha256,
        }, deadline: Deadline.Soon);
        await node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = symmetric.KeyId }, deadline: Deadline.Soon);

        await Task.Delay(TimeSpan.FromSeconds(4.1));
        await node.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, deadline: Deadline.Soon);
    }

    [Fact]
    public async Task AwsDefaults_AdmitOneRsa2048DataKeyPairASecond_AndOneImportTokenInFourSeconds()
    {
        // Each pair of calls is sent together: both are charged as they arrive, before the RSA key generation that could
        // otherwise outlast the quota's interval on a slow machine.
        await using var node = await InProcessRegionNode.StartAsync(extra: ["--request-quotas", "true"]);
        var key = await node.CreateAsync();
        var pairs = await OutcomesAsync(
            () => node.Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.Rsa2048 },
                deadline: Deadline.Soon).ResponseAsync,
            () => node.Kms.GenerateDataKeyPairWithoutPlaintextAsync(new GenerateDataKeyPairWithoutPlaintextRequest
            {
                KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.Rsa2048,
            }, deadline: Deadline.Soon).ResponseAsync);
        Assert.Single(pairs, p => p is null);
        Assert.Single(pairs, p => p is not null && MrkErrors.IsThrottled(p));
        await node.Kms.GenerateDataKeyPairAsync(new GenerateDataKeyPairRequest { KeyId = key.KeyId, KeyPairSpec = DataKeyPairSpec.EccNistP256 },
            deadline: Deadline.Soon);

        var external = (await node.Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.External }, deadline: Deadline.Soon)).KeyMetadata;
        var parameters = new GetParametersForImportRequest
        {
            KeyId = external.KeyId, WrappingAlgorithm = AlgorithmSpec.RsaesOaepSha256, WrappingKeySpec = WrappingKeySpec.Rsa2048,
        };
        var tokens = await OutcomesAsync(
            () => node.Kms.GetParametersForImportAsync(parameters, deadline: Deadline.Soon).ResponseAsync,
            () => node.Kms.GetParametersForImportAsync(parameters, deadline: Deadline.Soon).ResponseAsync);
        Assert.Single(tokens, t => t is null);
        var refusal = Assert.Single(tokens, t => t is not null && MrkErrors.IsThrottled(t))!;
        Assert.InRange(MrkErrors.RetryDelayOf(refusal)!.Value, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4));
    }

    /// <summary>Sends the calls together; for each, null when it was served, its error when refused.</summary>
    private static async Task<RpcException?[]> OutcomesAsync(params Func<Task>[] calls) =>
        await Task.WhenAll(calls.Select(async call =>
        {
            try
            {
                await call().WithTimeout();
                return null;
            }
            catch (RpcException e)
            {
                return e;
            }
        }));

    [Fact]
    public async Task MrkClient_RetriesThrottledCalls_WithBackOff_UnlessToldNotTo()
    {
        await using var node = await InProcessRegionNode.StartAsync(extra: LowRates);
        var created = new List<Task<CreateKeyResponse>>();
        for (var i = 0; i < 6; i++)
        {
            created.Add(node.Client.CreateKeyAsync(new CreateKeyRequest { Description = $"retried {i}" }));
        }

        // Six at 2 a second: the last ones are admitted after about two seconds of jittered back-off.
        await Task.WhenAll(created).WithTimeout(TimeSpan.FromSeconds(30));
        Assert.Equal(6, (await node.Kms.ListKeysAsync(new ListKeysRequest(), deadline: Deadline.Soon)).Keys.Count);

        using var impatient = new MrkClient(node.Endpoint, new MrkClientOptions { MaxRetries = 0, MaxThrottleRetries = 0 });
        var refusals = 0;
        for (var i = 0; i < 4; i++)
        {
            try
            {
                await impatient.CreateKeyAsync(new CreateKeyRequest()).WithTimeout();
            }
            catch (MrkException e) when (e.ErrorCode == "ThrottlingException")
            {
                refusals++;
            }
        }

        Assert.InRange(refusals, 1, 4);
    }

    [Theory]
    [InlineData("--Mrk:RequestRates:CreateKeys", "5", "'CreateKeys' is not a request quota")]
    [InlineData("--Mrk:RequestRates:CreateKey", "fast", "Mrk:RequestRates:CreateKey must be a number of requests per second, not 'fast'")]
    [InlineData("--Mrk:RequestRates:Symmetric", "0", "must be a number of requests per second above 0")]
    [InlineData("--Mrk:ResourceQuotas:Aliases", "0", "Mrk:ResourceQuotas:Aliases must be at least 1")]
    public async Task AQuotaSettingThatIsNone_RefusesTheStart_RatherThanKeepTheDefault(string setting, string value, string message)
    {
        var refusal = await Assert.ThrowsAsync<Grpc.Mrk.RegionNode.Hosting.StartupRefusedException>(() => InProcessRegionNode.StartAsync(extra: [setting, value]));
        Assert.Contains(message, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBackOff_GrowsWithJitter_AndIsNeverShorterThanTheNodeAsked()
    {
        var first = TimeSpan.FromMilliseconds(100);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var delay = MrkClient.ThrottleDelay(null, attempt, first)!.Value;
            Assert.InRange(delay, first * Math.Pow(2, attempt) * 0.5, first * Math.Pow(2, attempt) * 1.5);
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)StatusCode.ResourceExhausted,
            Message = "Rate exceeded",
            Details =
            {
                Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.ErrorInfo { Reason = "ThrottlingException", Domain = MrkErrors.Domain }),
                Google.Protobuf.WellKnownTypes.Any.Pack(new Google.Rpc.RetryInfo { RetryDelay = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(3)) }),
            },
        };
        var throttled = status.ToRpcException();
        Assert.True(MrkErrors.IsThrottled(throttled));
        Assert.Equal(TimeSpan.FromSeconds(3), MrkClient.ThrottleDelay(throttled, 0, first));
    }
}
