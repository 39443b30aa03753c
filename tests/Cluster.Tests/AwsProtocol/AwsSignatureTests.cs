using System.Text.Json;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Grpc.Mrk.Admin.V1;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using AwsCreateKeyRequest = Amazon.KeyManagementService.Model.CreateKeyRequest;
using AwsDescribeKeyRequest = Amazon.KeyManagementService.Model.DescribeKeyRequest;
using AwsEncryptRequest = Amazon.KeyManagementService.Model.EncryptRequest;
using AwsDecryptRequest = Amazon.KeyManagementService.Model.DecryptRequest;
using AwsPutKeyPolicyRequest = Amazon.KeyManagementService.Model.PutKeyPolicyRequest;

namespace Grpc.Mrk.Cluster.Tests.AwsProtocol;

/// <summary>
/// Signature Version 4 on a Region that requires credentials: a request signed with a principal's access key is that
/// principal's, under the key's policy as on gRPC; each way a signature can be wrong is refused with AWS's exception,
/// changes nothing, and is recorded in the audit log.
/// </summary>
public sealed class AwsSignatureTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task SignedWithAnAccessKey_IsItsPrincipal_UnderTheKeyPolicy_WithSecureTransport()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (aliceArn, access) = await AccessKeyAsync(region, "alice");
        using var kms = AwsKms.Client(region.Node, new BasicAWSCredentials(access.AccessKeyId, access.SecretAccessKey));
        var key = (await kms.CreateKeyAsync(new AwsCreateKeyRequest()).WithTimeout()).KeyMetadata;

        // Alice may use the key unless the transport is insecure (it is TLS), and may not encrypt at all.
        await kms.PutKeyPolicyAsync(new AwsPutKeyPolicyRequest
        {
            KeyId = key.KeyId,
            Policy = SecureRegion.Policy(
                $$"""{"Effect":"Allow","Principal":{"AWS":"{{aliceArn}}"},"Action":"kms:*","Resource":"*"}""",
                $$$$"""{"Effect":"Deny","Principal":{"AWS":"{{{{aliceArn}}}}"},"Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}""",
                $$"""{"Effect":"Deny","Principal":{"AWS":"{{aliceArn}}"},"Action":"kms:Encrypt","Resource":"*"}"""),
        }).WithTimeout();
        Assert.Equal(key.Arn, (await kms.DescribeKeyAsync(new AwsDescribeKeyRequest { KeyId = key.KeyId }).WithTimeout()).KeyMetadata.Arn);
        // AccessDeniedException is not in the KMS model: the SDK raises its service exception with AWS's error code.
        var denied = await Assert.ThrowsAsync<Amazon.KeyManagementService.AmazonKeyManagementServiceException>(() =>
            kms.EncryptAsync(new AwsEncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
        Assert.Contains(aliceArn, denied.Message, StringComparison.Ordinal);
        Assert.Contains("kms:Encrypt", denied.Message, StringComparison.Ordinal);

        var records = await RecordsAsync(region, all => all.Any(r => r.Contains("\"Encrypt\"", StringComparison.Ordinal)));
        var record = Assert.Single(records, r => r.Contains("\"Encrypt\"", StringComparison.Ordinal));
        using var parsed = JsonDocument.Parse(record);
        Assert.Equal(aliceArn, parsed.RootElement.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal("AccessDeniedException", parsed.RootElement.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task WrongSignatures_RefusedWithAwsExceptions_ChangeNothing_AndAreAudited()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (_, access) = await AccessKeyAsync(region, "alice");
        var (_, revoked) = await AccessKeyAsync(region, "bob");
        await region.AdminAsync("RevokeAccessKey", new RevokeAccessKeyRequest { AccessKeyId = revoked.AccessKeyId });
        using var caller = new AwsJsonCaller(region.Node);
        var good = new Signing(access.AccessKeyId, access.SecretAccessKey, SecureRegion.Region);
        var (status, created, _) = await caller.CallAsync("CreateKey", "{}", good);
        Assert.Equal(200, status);
        var keyId = created.RootElement.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        var schedule = $$"""{"KeyId":"{{keyId}}","PendingWindowInDays":7}""";

        var cases = new (string Why, Signing Signing, string Exception, string? Words)[]
        {
            ("wrong secret", good with { Secret = new string('x', 40) }, "InvalidSignatureException", "The request signature we calculated does not match"),
            ("scope of another Region", good with { Region = "eu-west-1" }, "InvalidSignatureException", "'eu-west-1'; this endpoint serves 'us-east-1'"),
            ("signed 6 minutes ago", good with { At = DateTimeOffset.UtcNow.AddMinutes(-6) }, "InvalidSignatureException", "Signature expired"),
            ("signed 6 minutes ahead", good with { At = DateTimeOffset.UtcNow.AddMinutes(6) }, "InvalidSignatureException", "Signature not yet current"),
            ("host not signed", good with { SignedHeaders = ["content-type", "x-amz-date", "x-amz-target"] }, "InvalidSignatureException", "'Host'"),
            ("body changed after signing", good with { AlterBodyAfterSigning = b => System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(b).Replace(":7", ":30", StringComparison.Ordinal)) }, "InvalidSignatureException", null),
            ("unknown access key", good with { AccessKeyId = "AKIAAAAAAAAAAAAAAAAA" }, "UnrecognizedClientException",
                "The security token included in the request is invalid."),
            ("revoked access key", good with { AccessKeyId = revoked.AccessKeyId, Secret = revoked.SecretAccessKey }, "UnrecognizedClientException", null),
            ("temporary credentials", good with { SecurityToken = "session-token" }, "UnrecognizedClientException", null),
            ("not signed", good with { Unsigned = true }, "MissingAuthenticationTokenException", null),
        };
        foreach (var (why, signing, exception, words) in cases)
        {
            var (refusedStatus, refusal, headers) = await caller.CallAsync("ScheduleKeyDeletion", schedule, signing);
            Assert.True(refusedStatus == 400, $"{why}: HTTP {refusedStatus}");
            Assert.Equal(exception, refusal.RootElement.GetProperty("__type").GetString());
            if (words is not null)
            {
                Assert.Contains(words, refusal.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            }

            Assert.NotNull(headers.Date);
            Assert.True(headers.Contains("x-amzn-RequestId"), why);
        }

        // Nothing reached the domain: the key is as it was.
        var (_, described, _) = await caller.CallAsync("DescribeKey", $$"""{"KeyId":"{{keyId}}"}""", good);
        Assert.Equal("Enabled", described.RootElement.GetProperty("KeyMetadata").GetProperty("KeyState").GetString());

        // Every refusal is in the audit log, under the operation asked for.
        static bool IsRefusal(string r) => r.Contains("\"ScheduleKeyDeletion\"", StringComparison.Ordinal) && r.Contains("\"errorCode\"", StringComparison.Ordinal);
        var records = await RecordsAsync(region, all => all.Count(IsRefusal) >= cases.Length);
        var refusals = records.Where(IsRefusal).ToList();
        Assert.Equal(cases.Length, refusals.Count);
        foreach (var group in cases.GroupBy(c => c.Exception))
        {
            Assert.Equal(group.Count(), refusals.Count(r => r.Contains($"\"errorCode\":\"{group.Key}\"", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task InsecureLocalMode_TakesAnySignatureAsTheAccountRoot()
    {
        await using var node = await RegionNodeProcess.StartOverTlsAsync(_directory.Path, output);
        using var caller = new AwsJsonCaller(node);
        foreach (var signing in new[] { new Signing("AKIAAAAAAAAAAAAAAAAA", "anything", "us-east-1"), new Signing("x", "y", "us-east-1", Unsigned: true) })
        {
            var (status, created, _) = await caller.CallAsync("CreateKey", "{}", signing);
            Assert.Equal(200, status);
            Assert.Equal("111122223333", created.RootElement.GetProperty("KeyMetadata").GetProperty("AWSAccountId").GetString());
        }

        Assert.Contains(":root", (await node.Client.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"), new ListAuditRecordsRequest { Limit = 10 })
            .WithTimeout()).ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A Region whose wall clock runs an hour ahead refuses a request signed by the true time, as AWS refuses one more
    /// than five minutes off its own clock, and its refusal names the time it read; once its clock is set true again
    /// the same signature is accepted (the check reads the clock per request, never a time kept from before).
    /// </summary>
    [Fact]
    public async Task ARegionsClockAnHourAhead_RefusesSignaturesOfTheTrueTime_SayingWhatTimeItRead()
    {
        var clock = new MovedClock(_directory.Path, TimeSpan.FromHours(1));
        await using var region = await SecureRegion.StartAsync(_directory.Path, output, clock.Environment);
        var (_, access) = await AccessKeyAsync(region, "alice");
        using var caller = new AwsJsonCaller(region.Node);
        var (status, body, _) = await caller.CallAsync("ListKeys", "{}", new Signing(access.AccessKeyId, access.SecretAccessKey, SecureRegion.Region));
        Assert.Equal(400, status);
        Assert.Equal("InvalidSignatureException", body.RootElement.GetProperty("__type").GetString());
        var message = body.RootElement.GetProperty("message").GetString()!;
        var read = System.Text.RegularExpressions.Regex.Match(message, @"\((\d{8}T\d{6}Z) - 5 min\.\)");
        Assert.True(read.Success, message);
        var regionTime = DateTimeOffset.ParseExact(read.Groups[1].Value, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.InRange(regionTime - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(58), TimeSpan.FromMinutes(62));

        await clock.SetAsync(TimeSpan.Zero);
        await Eventually.TrueAsync(async () =>
        {
            (status, body, _) = await caller.CallAsync("ListKeys", "{}", new Signing(access.AccessKeyId, access.SecretAccessKey, SecureRegion.Region));
            return status == 200;
        }, TimeSpan.FromSeconds(10), "the signature accepted once the Region's clock is true");
    }

    public void Dispose() => _directory.Dispose();

    private static async Task<(string Arn, CreateAccessKeyResponse Key)> AccessKeyAsync(SecureRegion region, string name)
    {
        var principal = (PrincipalEntry)await region.AdminAsync("CreatePrincipal", new CreatePrincipalRequest { Name = name });
        var key = (CreateAccessKeyResponse)await region.AdminAsync("CreateAccessKey", new CreateAccessKeyRequest { PrincipalArn = principal.Arn });
        return (principal.Arn, key);
    }

    /// <summary>The Region's audit records once one satisfies <paramref name="until"/> (records are group-committed after the answer).</summary>
    private static async Task<List<string>> RecordsAsync(SecureRegion region, Func<List<string>, bool> until)
    {
        var records = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            var page = (ListAuditRecordsResponse)await region.Admin.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout();
            records = [.. page.Records.Select(r => r.Json)];
            return until(records);
        });
        return records;
    }
}
