using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// A flood of anonymous calls, each carrying a field of nearly a megabyte (the largest message a Region takes), against a Region that requires
/// credentials: the audit log grows by a bounded amount, every refusal is accounted for (recorded, or counted in a
/// summary record), every answered call of a real principal has its record, and the node keeps answering.
/// </summary>
public sealed class AuditFloodTests(ITestOutputHelper output) : IDisposable
{
    private const int Flood = 240;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RefusedCallsWithHugeFields_BoundedAuditGrowth_NothingUnaccounted_AnsweredCallsAllRecorded()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (aliceArn, _, alice) = await region.UserAsync("alice");
        using (alice)
        {
            var key = (await alice.CreateKeyAsync(new CreateKeyRequest()).WithTimeout()).KeyMetadata.KeyId;
            var before = StoreBytes(region);
            var huge = new string('x', 900_000);
            using var nobody = region.Client();

            var encrypted = 0;
            var refused = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, Flood), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
            {
                var error = await Assert.ThrowsAsync<MrkException>(() => nobody.EncryptAsync(new EncryptRequest
                {
                    KeyId = huge, Plaintext = ByteString.CopyFromUtf8("x"), EncryptionContext = { ["note"] = huge[..50_000] },
                }).WithTimeout());
                Assert.Equal("MissingAuthenticationTokenException", error.ErrorCode);
                Interlocked.Increment(ref refused);
                if (i % 12 == 0)
                {
                    // A real principal's call in the middle of the flood is answered, and must be recorded.
                    await alice.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = ByteString.CopyFromUtf8("during the flood") }, CancellationToken.None).WithTimeout();
                    Interlocked.Increment(ref encrypted);
                }
            });
            Assert.Equal(Flood, refused);
            Assert.Equal("SERVING", await alice.CheckHealthAsync().WithTimeout());

            // One more refusal after a pause reports whatever was counted instead of recorded since the last one.
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            await Assert.ThrowsAsync<MrkException>(() => nobody.DescribeKeyAsync(key).WithTimeout());

            var records = new List<JsonElement>();
            await Eventually.TrueAsync(async () =>
            {
                records = await AllRecordsAsync(region);
                return records.Count(r => Name(r) == "Encrypt" && Arn(r) == aliceArn) == encrypted && records.Any(r => Name(r) == "DescribeKey");
            });

            var recordedRefusals = records.Count(r => Name(r) == "Encrypt" && Arn(r) is null or "anonymous");
            var counted = records.Where(r => Name(r) == "UnauthenticatedCallsSuppressed")
                .Sum(r => r.GetProperty("requestParameters").GetProperty("count").GetInt64());
            Assert.Equal(Flood, recordedRefusals + counted);
            Assert.True(counted > 0, "the flood was not rate limited");

            // Each recorded value was cut to a few kilobytes, with a marker saying how much was left out.
            var sample = records.First(r => Name(r) == "Encrypt" && Arn(r) is null or "anonymous");
            var keyId = sample.GetProperty("requestParameters").GetProperty("keyId").GetString()!;
            Assert.True(keyId.Length < 5000, $"{keyId.Length} characters recorded");
            Assert.Contains("more characters not recorded", keyId, StringComparison.Ordinal);
            var grown = StoreBytes(region) - before;
            output.WriteLine($"{recordedRefusals} refusals recorded, {counted} counted; the store grew by {grown / 1024} KiB");
            Assert.True(grown < 16L * 1024 * 1024, $"the store grew by {grown} bytes");
        }
    }

    private static string? Name(JsonElement record) => record.GetProperty("eventName").GetString();

    private static string? Arn(JsonElement record) =>
        record.GetProperty("userIdentity").TryGetProperty("arn", out var arn) ? arn.GetString() : null;

    private static long StoreBytes(SecureRegion region) =>
        Directory.EnumerateFiles(region.Node.DataDirectory, "region.db*").Sum(f => new FileInfo(f).Length);

    private static async Task<List<JsonElement>> AllRecordsAsync(SecureRegion region)
    {
        var records = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = (ListAuditRecordsResponse)await region.Admin.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { AfterSequence = after, Limit = 1000 }).WithTimeout();
            records.AddRange(page.Records.Select(r => JsonDocument.Parse(r.Json).RootElement.Clone()));
            if (!page.Truncated || page.Records.Count == 0)
            {
                return records;
            }

            after = page.Records[^1].Sequence;
        }
    }
}
