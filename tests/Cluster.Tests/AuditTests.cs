using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>The Region's audit log: every call once, with caller, key and outcome, no secrets; tampering found at the exact record.</summary>
public sealed class AuditTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ScriptedSession_EveryCallOnce_RightFields_NoPlaintextOrDataKeys()
    {
        await using var region = await SecureRegion.StartAsync(_directory.Path, output);
        var (aliceArn, _, alice) = await region.UserAsync("alice");
        var (bobArn, _, bob) = await region.UserAsync("bob");
        using (alice)
        using (bob)
        {
            var key = (await alice.CreateKeyAsync(new CreateKeyRequest { Description = "audited" }).WithTimeout()).KeyMetadata;
            await alice.CallAsync((c, o) => c.PutKeyPolicyAsync(new PutKeyPolicyRequest
            {
                KeyId = key.KeyId, Policy = SecureRegion.Policy($$"""{"Effect":"Allow","Principal":{"AWS":"{{aliceArn}}"},"Action":"kms:*","Resource":"*"}"""),
            }, o)).WithTimeout();
            await alice.CallAsync((c, o) => c.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/audited", TargetKeyId = key.KeyId }, o)).WithTimeout();
            const string secret = "the-plaintext-nobody-may-log";
            var encrypted = await alice.EncryptAsync(new EncryptRequest
            {
                KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8(secret), EncryptionContext = { ["dept"] = "hr" },
            }).WithTimeout();
            var dataKey = await alice.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.Aes256 }).WithTimeout();
            await alice.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob, EncryptionContext = { ["dept"] = "hr" } }).WithTimeout();
            await Assert.ThrowsAsync<MrkException>(() => bob.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob }).WithTimeout());
            using (var nobody = region.Client())
            {
                await Assert.ThrowsAsync<MrkException>(() => nobody.DescribeKeyAsync(key.KeyId).WithTimeout());
            }

            // The log names every caller and context: a principal, even one with kms:* on every key, may not read it.
            var refused = await Assert.ThrowsAsync<MrkException>(() =>
                alice.InvokeAsync(Audit("ListAuditRecords"), new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout());
            Assert.Equal("AccessDeniedException", refused.ErrorCode);

            var records = new List<JsonElement>();
            await Eventually.TrueAsync(async () =>
            {
                var listed = await region.Admin.InvokeAsync(Audit("ListAuditRecords"), new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout();
                records = ((ListAuditRecordsResponse)listed).Records.Select(r => JsonDocument.Parse(r.Json).RootElement.Clone()).ToList();
                // Records are group-committed: wait for the last calls of the session, alice's refused read among them.
                return records.Count(r => r.GetProperty("eventName").GetString() == "Decrypt") == 2
                       && records.Any(r => r.GetProperty("eventName").GetString() == "DescribeKey")
                       && records.Any(r => r.GetProperty("eventName").GetString() == "ListAuditRecords"
                                           && r.GetProperty("userIdentity").GetProperty("arn").GetString() == aliceArn);
            });

            string[] expected = ["CreatePrincipal", "CreatePrincipal", "CreateApiKey", "CreateApiKey", "CreateKey", "PutKeyPolicy", "CreateAlias", "Encrypt",
                "GenerateDataKey", "Decrypt", "Decrypt", "DescribeKey"];
            Assert.Equal(expected.Order(), records.Select(r => r.GetProperty("eventName").GetString()).Where(n => n != "ListAuditRecords").Order());
            // Reading the log is recorded too: the refused read by alice, and the operator's reads under its own name.
            var reads = records.Where(r => r.GetProperty("eventName").GetString() == "ListAuditRecords").ToList();
            Assert.Contains(reads, r => r.GetProperty("userIdentity").GetProperty("arn").GetString() == aliceArn
                                        && r.GetProperty("errorCode").GetString() == "AccessDeniedException");
            // A read's own record is group-committed after it answers, so the operator's reads show in a later read.
            await Eventually.TrueAsync(async () =>
            {
                var again = (ListAuditRecordsResponse)await region.Admin.InvokeAsync(Audit("ListAuditRecords"),
                    new ListAuditRecordsRequest { Limit = 1000, EventName = "ListAuditRecords" }).WithTimeout();
                return again.Records.Select(r => JsonDocument.Parse(r.Json).RootElement).Any(r =>
                    r.GetProperty("userIdentity").GetProperty("arn").GetString()!.EndsWith(":operator/operator", StringComparison.Ordinal)
                    && r.GetProperty("userIdentity").GetProperty("type").GetString() == "ClusterOperator" && !r.TryGetProperty("errorCode", out _));
            });
            var encrypt = records.Single(r => r.GetProperty("eventName").GetString() == "Encrypt");
            Assert.Equal(aliceArn, encrypt.GetProperty("userIdentity").GetProperty("arn").GetString());
            Assert.Equal("IAMUser", encrypt.GetProperty("userIdentity").GetProperty("type").GetString());
            Assert.Equal("us-east-1", encrypt.GetProperty("awsRegion").GetString());
            Assert.Equal("hr", encrypt.GetProperty("requestParameters").GetProperty("encryptionContext").GetProperty("dept").GetString());
            Assert.Equal(key.Arn, encrypt.GetProperty("resources")[0].GetProperty("ARN").GetString());
            Assert.True(encrypt.GetProperty("readOnly").GetBoolean());
            var denied = records.Single(r => r.GetProperty("eventName").GetString() == "Decrypt" && r.TryGetProperty("errorCode", out _));
            Assert.Equal("AccessDeniedException", denied.GetProperty("errorCode").GetString());
            Assert.Equal(bobArn, denied.GetProperty("userIdentity").GetProperty("arn").GetString());
            var anonymous = records.Single(r => r.GetProperty("eventName").GetString() == "DescribeKey");
            Assert.Equal("MissingAuthenticationTokenException", anonymous.GetProperty("errorCode").GetString());
            var created = records.Single(r => r.GetProperty("eventName").GetString() == "CreateKey");
            Assert.Equal(key.Arn, created.GetProperty("responseElements").GetProperty("keyMetadata").GetProperty("arn").GetString());
            Assert.False(created.GetProperty("readOnly").GetBoolean());
            // CreateAlias names its key as target_key_id; the record lists that key as its resource, as CloudTrail does.
            var aliased = records.Single(r => r.GetProperty("eventName").GetString() == "CreateAlias");
            Assert.Equal(key.Arn, aliased.GetProperty("resources")[0].GetProperty("ARN").GetString());

            var all = string.Join("\n", records.Select(r => r.GetRawText()));
            foreach (var forbidden in new[] { secret, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret)), dataKey.Plaintext.ToBase64(),
                         Convert.ToHexString(dataKey.Plaintext.ToByteArray()), encrypted.CiphertextBlob.ToBase64() })
            {
                Assert.DoesNotContain(forbidden, all, StringComparison.OrdinalIgnoreCase);
            }

            Assert.DoesNotContain("mrk_", all, StringComparison.Ordinal);
            var verified = (VerifyAuditLogResponse)await region.Admin.InvokeAsync(Audit("VerifyAuditLog"), new VerifyAuditLogRequest()).WithTimeout();
            Assert.True(verified.Valid, verified.Problem);
            Assert.True(verified.RecordsChecked >= expected.Length);
            Assert.Contains("BEGIN PUBLIC KEY", verified.DigestPublicKey, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The node checks its own log on a schedule: a record edited behind its back while it runs is found at that record,
    /// logged as an error and counted as an invalid verification in the metric the alert watches.
    /// </summary>
    [Fact]
    public async Task SelfCheck_FindsARecordEditedWhileTheNodeRuns_AndCountsIt()
    {
        var data = _directory.Sub("checked");
        await using var node = await RegionNodeProcess.StartAsync(data, output, extra: ["--audit-verify-interval", "0.5"]);
        var key = await node.CreateAsync();
        await node.Client.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("checked") }).WithTimeout();
        await node.WaitForLogAsync("Audit log verified", TimeSpan.FromSeconds(20));
        await CounterShowsAsync(node, "valid");
        Assert.DoesNotMatch("mrk_result=\"invalid\"[^}]*\\} [1-9]", await MetricsAsync(node));

        await using (var connection = new SqliteConnection($"Data Source={node.StorePath};Pooling=False;Default Timeout=30"))
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA busy_timeout = 10000; UPDATE audit_records SET json = replace(json, 'CreateKey', 'CreateKye') WHERE sequence = 1;";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await node.WaitForLogAsync("Audit log broken at record 1", TimeSpan.FromSeconds(20));
        await CounterShowsAsync(node, "invalid");
    }

    /// <summary>
    /// Waits for the verification counter of <paramref name="result"/> to be non-zero: the exporter serves a scrape from
    /// a short cache, so a scrape made just after the check ran may still show the previous snapshot.
    /// </summary>
    private static async Task CounterShowsAsync(RegionNodeProcess node, string result)
    {
        var pattern = new System.Text.RegularExpressions.Regex($"mrk_audit_verifications_total\\{{[^}}]*mrk_result=\"{result}\"[^}}]*\\}} [1-9]");
        await Eventually.TrueAsync(async () => pattern.IsMatch(await MetricsAsync(node)), TimeSpan.FromSeconds(10),
            $"mrk_audit_verifications_total to count a {result} result");
    }

    /// <summary>The node's metrics, read from loopback as the insecure local mode allows (HTTP/2 without TLS).</summary>
    private static async Task<string> MetricsAsync(RegionNodeProcess node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node.Endpoint, "/metrics"))
        {
            Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request).WithTimeout();
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        return await response.Content.ReadAsStringAsync();
    }

    [Theory]
    [InlineData("edit")]
    [InlineData("delete")]
    [InlineData("reorder")]
    [InlineData("truncate")]
    public async Task Tampering_FoundAtTheExactRecord(string tampering)
    {
        var data = _directory.Sub("node");
        var node = await RegionNodeProcess.StartAsync(data, output);
        var key = await node.CreateAsync();
        for (var i = 0; i < 8; i++)
        {
            await node.Client.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8($"n{i}") }).WithTimeout();
        }

        await Eventually.TrueAsync(async () => (await VerifyAsync(node)).RecordsChecked >= 9);
        Assert.True((await VerifyAsync(node)).Valid);
        await node.DisposeAsync();

        long target = 5;
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "region.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            if (tampering == "truncate")
            {
                using var last = connection.CreateCommand();
                last.CommandText = "SELECT max(sequence) FROM audit_records;";
                target = (long)(await last.ExecuteScalarAsync())!;
            }

            using var command = connection.CreateCommand();
            command.CommandText = tampering switch
            {
                "edit" => "UPDATE audit_records SET json = replace(json, 'Encrypt', 'Ecnrypt') WHERE sequence = 5;",
                "delete" => "DELETE FROM audit_records WHERE sequence = 5;",
                "truncate" => $"DELETE FROM audit_records WHERE sequence = {target};",
                _ => """
                     UPDATE audit_records SET sequence = -1 WHERE sequence = 5;
                     UPDATE audit_records SET sequence = 5 WHERE sequence = 6;
                     UPDATE audit_records SET sequence = 6 WHERE sequence = -1;
                     """,
            };
            Assert.True(await command.ExecuteNonQueryAsync() >= 1);
        }

        await using var restarted = await RegionNodeProcess.StartAsync(data, output);
        var result = await VerifyAsync(restarted);
        Assert.False(result.Valid);
        Assert.Equal(target, result.FirstBadSequence);
        Assert.Contains(target.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Digests_SealTheLogAtShutdown_SurviveADomainKeyRotation_AndAForgedOneIsFound()
    {
        var data = _directory.Sub("node");
        var node = await RegionNodeProcess.StartAsync(data, output);
        await node.CreateAsync();
        await node.DisposeAsync();

        var (exitCode, log) = await RegionNodeProcess.RunToExitAsync(data, "us-east-1", ["rotate-domain-key"]);
        Assert.True(exitCode == 0, log);
        node = await RegionNodeProcess.StartAsync(data, output);
        var sealedOnce = await VerifyAsync(node);
        Assert.True(sealedOnce.Valid, sealedOnce.Problem);
        Assert.True(sealedOnce.DigestsChecked >= 1);
        await node.DisposeAsync();

        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(data, "region.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE audit_digests SET created_at = created_at + 1 WHERE sequence = (SELECT min(sequence) FROM audit_digests);";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var restarted = await RegionNodeProcess.StartAsync(data, output);
        var forged = await VerifyAsync(restarted);
        Assert.False(forged.Valid);
        Assert.Contains("does not verify", forged.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManagementCall_RecordCommittedWithTheChange_SurvivesSigkill()
    {
        var data = _directory.Sub("node");
        var node = await RegionNodeProcess.StartAsync(data, output);
        var key = await node.CreateAsync(description: "kept");
        await node.Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = { new Tag { TagKey = "a", TagValue = "b" } } },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await node.KillAsync();
        await node.DisposeAsync();

        await using var restarted = await RegionNodeProcess.StartAsync(data, output);
        var listed = (ListAuditRecordsResponse)await restarted.Client.InvokeAsync(Audit("ListAuditRecords"), new ListAuditRecordsRequest()).WithTimeout();
        var names = listed.Records.Select(r => JsonDocument.Parse(r.Json).RootElement)
            .Where(r => r.GetProperty("resources").EnumerateArray().Any(x => x.GetProperty("ARN").GetString() == key.Arn))
            .Select(r => r.GetProperty("eventName").GetString()).ToList();
        Assert.Equal(["CreateKey", "TagResource"], names);
        Assert.True((await VerifyAsync(restarted)).Valid);
    }

    /// <summary>Digests held elsewhere that are not digests, a key that is not one, limits out of range: ValidationException, never a fault.</summary>
    [Fact]
    public async Task DigestsHeldElsewhere_BadInput_RefusedAsValidation()
    {
        await using var node = await RegionNodeProcess.StartAsync(_directory.Sub("node"), output);
        var key = (ListAuditDigestsResponse)await node.Client.InvokeAsync(Audit("ListAuditDigests"), new ListAuditDigestsRequest()).WithTimeout();
        var good = new AuditDigest
        {
            Sequence = 1, Hash = new string('0', 64), CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Signature = ByteString.CopyFrom(new byte[8]),
        };
        AuditDigest With(Action<AuditDigest> change)
        {
            var changed = good.Clone();
            change(changed);
            return changed;
        }

        IMessage[] requests =
        [
            new VerifyAuditLogRequest { Digests = { good } },
            new VerifyAuditLogRequest { Digests = { good }, PublicKey = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----" },
            new VerifyAuditLogRequest { Digests = { With(d => d.Hash = "zz") }, PublicKey = key.PublicKey },
            new VerifyAuditLogRequest { Digests = { With(d => d.Sequence = 0) }, PublicKey = key.PublicKey },
            new VerifyAuditLogRequest { Digests = { With(d => d.CreatedAt = null) }, PublicKey = key.PublicKey },
        ];
        foreach (var request in requests)
        {
            var refused = await Assert.ThrowsAsync<MrkException>(() => node.Client.InvokeAsync(Audit("VerifyAuditLog"), request).WithTimeout());
            Assert.Equal("ValidationException", refused.ErrorCode);
        }

        foreach (var limit in new[] { 0, 10_001 })
        {
            var refused = await Assert.ThrowsAsync<MrkException>(() =>
                node.Client.InvokeAsync(Audit("ListAuditDigests"), new ListAuditDigestsRequest { Limit = limit }).WithTimeout());
            Assert.Equal("ValidationException", refused.ErrorCode);
        }

        // A well-formed digest this Region never signed is found, not refused as input.
        var forged = (VerifyAuditLogResponse)await node.Client.InvokeAsync(Audit("VerifyAuditLog"),
            new VerifyAuditLogRequest { Digests = { good }, PublicKey = key.PublicKey }).WithTimeout();
        Assert.False(forged.Valid);
        Assert.Contains("held elsewhere", forged.Problem, StringComparison.Ordinal);
    }

    private static async Task<VerifyAuditLogResponse> VerifyAsync(RegionNodeProcess node) =>
        (VerifyAuditLogResponse)await node.Client.InvokeAsync(Audit("VerifyAuditLog"), new VerifyAuditLogRequest()).WithTimeout();

    private static Google.Protobuf.Reflection.MethodDescriptor Audit(string name) => AuditLog.Descriptor.Methods.Single(m => m.Name == name);
}
