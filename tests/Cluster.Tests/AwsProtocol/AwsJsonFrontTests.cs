using System.Net;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.AwsProtocol;

/// <summary>
/// The AWS JSON front's answers to requests that are not a KMS operation or not its input: each is refused with the
/// exception AWS gives (docs/aws-protocol.md names each one's source), as JSON, with a request ID and a Date, never
/// with a 500; the node keeps serving gRPC and JSON, over HTTP/1.1 and HTTP/2 alike.
/// </summary>
public sealed class AwsJsonFrontTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Signing Any = new("AKIAIOSFODNN7EXAMPLE", "any", "us-east-1");
    private readonly TempDirectory _directory = new();

    public static TheoryData<string, string, string?, string, int, string> Refusals() => new()
    {
        // operation, body, target (null: TrentService.<operation>, empty: none), content type, status, exception
        { "Encrypt", "{}", string.Empty, "application/x-amz-json-1.1", 400, "UnknownOperationException" },
        { "Encrypt", "{}", "TrentService.Nope", "application/x-amz-json-1.1", 400, "UnknownOperationException" },
        { "Encrypt", "{}", "DynamoDB_20120810.ListTables", "application/x-amz-json-1.1", 400, "UnknownOperationException" },
        { "Encrypt", "{}", "TrentService.", "application/x-amz-json-1.1", 400, "UnknownOperationException" },
        { "Encrypt", "{}", null, "text/plain", 400, "UnknownOperationException" },
        { "Encrypt", "not json", null, "application/x-amz-json-1.1", 400, "SerializationException" },
        { "Encrypt", "[]", null, "application/x-amz-json-1.1", 400, "SerializationException" },
        { "Encrypt", """{"KeyId":5}""", null, "application/x-amz-json-1.1", 400, "SerializationException" },
        { "Encrypt", """{"Plaintext":"%%%"}""", null, "application/x-amz-json-1.1", 400, "SerializationException" },
        { "ListKeys", """{"Limit":"ten"}""", null, "application/x-amz-json-1.1", 400, "SerializationException" },
        { "CreateKey", """{"KeySpec":"ROT13"}""", null, "application/x-amz-json-1.1", 400, "ValidationException" },
        { "Decrypt", """{"CiphertextBlob":"AAAA","Recipient":{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_256"}}""", null, "application/x-amz-json-1.1", 400,
            "UnsupportedOperationException" },
        { "CreateKey", """{"CustomKeyStoreId":"cks-1234567890abcdef0"}""", null, "application/x-amz-json-1.1", 400, "UnsupportedOperationException" },
        { "CreateCustomKeyStore", """{"CustomKeyStoreName":"hsm"}""", null, "application/x-amz-json-1.1", 400, "UnsupportedOperationException" },
        { "DescribeCustomKeyStores", "{}", null, "application/x-amz-json-1.1", 400, "UnsupportedOperationException" },
        { "GetKeyLastUsage", """{"KeyId":"alias/x"}""", null, "application/x-amz-json-1.1", 400, "ValidationException" },
        { "GetKeyLastUsage", """{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab"}""", null, "application/x-amz-json-1.1", 400, "NotFoundException" },
        { "Encrypt", new string(' ', 300 * 1024) + "{}", null, "application/x-amz-json-1.1", 413, "RequestEntityTooLargeException" },
    };

    [Fact]
    public async Task EveryRefusalOfTheTable_AsAwsAnswersIt_AndTheNodeServesOn()
    {
        await using var node = await RegionNodeProcess.StartOverTlsAsync(_directory.Path, output);
        foreach (var version in new[] { HttpVersion.Version11, HttpVersion.Version20 })
        {
            using var caller = new AwsJsonCaller(node, version);
            foreach (var row in Refusals())
            {
                var (operation, body, target, contentType, status, exception) = ((string)row[0], (string)row[1], (string?)row[2], (string)row[3], (int)row[4],
                    (string)row[5]);
                var (answered, refusal, headers) = await caller.CallAsync(operation, body, Any, contentType, target);
                var what = $"{operation} {target} {contentType} {body[..Math.Min(body.Length, 60)]} over HTTP/{version}";
                Assert.True(answered == status, $"{what}: HTTP {answered}");
                Assert.True(exception == refusal.RootElement.GetProperty("__type").GetString(), $"{what}: {refusal.RootElement}");
                Assert.NotNull(headers.Date);
                Assert.True(headers.Contains("x-amzn-RequestId"), what);
                Assert.Equal(version, caller.LastVersion);
            }

            // Other methods and paths are not the protocol: the framework's 404 or 405, never a 500.
            var (get, _, _) = await caller.CallAsync("ListKeys", "{}", Any, method: HttpMethod.Get);
            Assert.Equal(405, get);

            var (ok, listed, _) = await caller.CallAsync("ListKeys", "{}", Any);
            Assert.Equal(200, ok);
            Assert.False(listed.RootElement.GetProperty("Truncated").GetBoolean());
        }

        Assert.False(node.HasExited);
        Assert.NotNull(await node.Kms.ListKeysAsync(new Grpc.Mrk.V1.ListKeysRequest()).ResponseAsync.WithTimeout());
    }

    [Fact]
    public async Task OverARequestQuota_TheFrontAnswers400ThrottlingException_AsAwsDoes_AndTheSdkRetries()
    {
        // One CreateKey in 4 seconds, so the second call finds the quota spent however long the first took.
        await using var node = await RegionNodeProcess.StartOverTlsAsync(_directory.Path, output,
            extra: ["--request-quotas", "true", "--Mrk:RequestRates:CreateKey", "0.25"]);
        using var caller = new AwsJsonCaller(node);
        var (created, _, _) = await caller.CallAsync("CreateKey", "{}", Any);
        Assert.Equal(200, created);
        var (throttled, refusal, headers) = await caller.CallAsync("CreateKey", "{}", Any);
        Assert.Equal(400, throttled);
        Assert.Equal("ThrottlingException", refusal.RootElement.GetProperty("__type").GetString());
        Assert.Equal("Rate exceeded", refusal.RootElement.GetProperty("message").GetString());
        Assert.True(headers.Contains("x-amzn-RequestId"));

        // The AWS SDK retries a throttled call with its own back-off, as it does against AWS.
        using var kms = AwsKms.Client(node, retries: 10);
        for (var i = 0; i < 2; i++)
        {
            await kms.CreateKeyAsync(new Amazon.KeyManagementService.Model.CreateKeyRequest()).WithTimeout(TimeSpan.FromSeconds(60));
        }

        var (listed, keys, _) = await caller.CallAsync("ListKeys", "{}", Any);
        Assert.Equal(200, listed);
        Assert.Equal(3, keys.RootElement.GetProperty("Keys").GetArrayLength());
    }

    [Fact]
    public async Task GetKeyLastUsage_ThroughTheAwsSdk_NamesTheRequestTheSdkWasAnsweredWith()
    {
        await using var node = await RegionNodeProcess.StartOverTlsAsync(_directory.Path, output);
        using var kms = AwsKms.Client(node);
        var key = (await kms.CreateKeyAsync(new Amazon.KeyManagementService.Model.CreateKeyRequest()).WithTimeout()).KeyMetadata;
        var unused = await kms.GetKeyLastUsageAsync(new Amazon.KeyManagementService.Model.GetKeyLastUsageRequest { KeyId = key.Arn }).WithTimeout();
        Assert.Null(unused.KeyLastUsage?.Operation);
        Assert.Equal(key.CreationDate, unused.KeyCreationDate);

        var encrypted = await kms.EncryptAsync(new Amazon.KeyManagementService.Model.EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = new MemoryStream([1, 2, 3]),
        }).WithTimeout();
        Amazon.KeyManagementService.Model.GetKeyLastUsageResponse? used = null;
        await Eventually.TrueAsync(async () =>
        {
            used = await kms.GetKeyLastUsageAsync(new Amazon.KeyManagementService.Model.GetKeyLastUsageRequest { KeyId = key.KeyId }).WithTimeout();
            return used.KeyLastUsage?.Operation is not null;
        });
        Assert.Equal("Encrypt", used!.KeyLastUsage.Operation.Value);
        Assert.Equal(encrypted.ResponseMetadata.RequestId, used.KeyLastUsage.KmsRequestId);
        Assert.False(string.IsNullOrEmpty(used.KeyLastUsage.CloudTrailEventId));
        Assert.Equal(key.KeyId, used.KeyId);
    }

    public void Dispose() => _directory.Dispose();
}
