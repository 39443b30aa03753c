using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using static Grpc.Mrk.Cluster.Tests.Policies.P;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyRegion;

namespace Grpc.Mrk.Cluster.Tests.Policies;

/// <summary>
/// Key policies, grants and the lockout check decided as AWS decides them, on a real secure Region: the table in
/// PolicyTable.*.cs (each case names the AWS document that decides it), then the cases that need more than one key.
/// </summary>
public sealed class PolicyDecisionTests(PolicyRegion region) : IClassFixture<PolicyRegion>
{
    public static TheoryData<string> Names => new(PolicyTable.All.Keys);

    [Fact]
    public void Table_CoversAtLeast150Cases_EachCitingItsDocument()
    {
        Assert.True(PolicyTable.All.Count >= 150, $"{PolicyTable.All.Count} cases");
        Assert.All(PolicyTable.All.Values, c => Assert.StartsWith("https://docs.aws.amazon.com/", c.Doc, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Case_DecidedAsAwsDecides(string name)
    {
        var row = PolicyTable.All[name];
        var (key, ciphertext) = await region.NewKeyAsync(row.Shape);
        var run = new CaseRun(region, key, ciphertext, await region.OtherKeyAsync());
        if (row.Setup is not null)
        {
            await row.Setup(run);
        }

        if (row.Policy is not null)
        {
            var set = await OutcomeAsync(() => run.PutPolicy("admin", row.Policy, bypass: true));
            if (set == PolicyCase.Malformed && row.Expected == PolicyCase.Malformed)
            {
                return;
            }

            Assert.True(set == PolicyCase.Allowed, $"{row.Doc}: setting the policy answered {set}");
        }

        Assert.Equal(row.Expected, await OutcomeAsync(() => row.Act(run)));
    }

    /// <summary>
    /// A policy names a principal by ARN and means the principal that held that name when it was set: one deleted and
    /// created again under the same name is another principal and gets nothing, as in AWS (policies bind unique IDs).
    /// </summary>
    [Fact]
    public async Task RecreatedPrincipal_DoesNotInheritThePolicyOfTheDeletedOne()
    {
        var carol = await region.AddAsync("carol");
        var (key, _) = await region.NewKeyAsync(KeyShape.Symmetric);
        var run = new CaseRun(region, key, ByteString.Empty, await region.OtherKeyAsync());
        await run.PutPolicy("admin", Doc(Allow(Aws(AdminUser), "\"kms:*\""), Allow(Aws(carol.Arn), "\"kms:Encrypt\"")), bypass: true);
        Assert.Equal(PolicyCase.Allowed, await OutcomeAsync(() => run.Encrypt("carol")));

        await region.DeleteAsync(carol.Arn);
        var again = await region.AddAsync("carol");
        Assert.Equal(carol.Arn, again.Arn);
        Assert.NotEqual(carol.PrincipalId, again.PrincipalId);
        Assert.Equal(PolicyCase.Denied, await OutcomeAsync(() => run.Encrypt("carol")));

        // Set again, the policy names the principal of today.
        await run.PutPolicy("admin", Doc(Allow(Aws(AdminUser), "\"kms:*\""), Allow(Aws(carol.Arn), "\"kms:Encrypt\"")), bypass: true);
        Assert.Equal(PolicyCase.Allowed, await OutcomeAsync(() => run.Encrypt("carol")));
    }

    /// <summary>A grant, likewise, means the grantee it was made for: one created again under the same name gets nothing from it.</summary>
    [Fact]
    public async Task RecreatedPrincipal_DoesNotInheritTheGrantsOfTheDeletedOne()
    {
        var dave = await region.AddAsync("dave");
        var (key, _) = await region.NewKeyAsync(KeyShape.Symmetric);
        var run = new CaseRun(region, key, ByteString.Empty, await region.OtherKeyAsync());
        await run.PutPolicy("admin", Doc(Allow(Aws(AdminUser), "\"kms:*\"")), bypass: true);
        await run.Grant("admin", dave.Arn, [GrantOperation.Encrypt, GrantOperation.RetireGrant]);
        Assert.Equal(PolicyCase.Allowed, await OutcomeAsync(() => run.Encrypt("dave")));

        await region.DeleteAsync(dave.Arn);
        await region.AddAsync("dave");
        Assert.Equal(PolicyCase.Denied, await OutcomeAsync(() => run.Encrypt("dave")));
    }

    [Fact]
    public async Task CreateKey_WithAPolicyNamingNobody_Refused()
    {
        var refused = await Assert.ThrowsAsync<MrkException>(() => region.As("alice").CreateKeyAsync(new CreateKeyRequest
        {
            Policy = Doc(RootAll, Allow(Aws("arn:aws:iam::111122223333:user/nobody"), "\"kms:*\"")),
        }).WithTimeout());
        Assert.Equal(PolicyCase.Malformed, refused.ErrorCode);
    }

    /// <summary>
    /// The audit record of a symmetric Decrypt without KeyId names the key the ciphertext named (allowed or refused), and
    /// a ReEncrypt's names both keys, as CloudTrail does.
    /// </summary>
    [Fact]
    public async Task Audit_NamesEveryKeyACallUsed()
    {
        var (key, ciphertext) = await region.NewKeyAsync(KeyShape.Symmetric);
        var other = await region.OtherKeyAsync();
        var run = new CaseRun(region, key, ciphertext, other);
        await run.PutPolicy("admin", Doc(RootAll, Deny(Aws(Bob), "\"kms:Decrypt\"")), bypass: true);
        await run.Decrypt("alice");
        Assert.Equal(PolicyCase.Denied, await OutcomeAsync(() => run.Decrypt("bob")));
        await run.ReEncrypt("alice", toSameKey: false);

        var records = new List<JsonElement>();
        await Eventually.TrueAsync(async () =>
        {
            var listed = (ListAuditRecordsResponse)await region.Region.Admin.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout();
            records = listed.Records.Select(r => JsonDocument.Parse(r.Json).RootElement.Clone())
                .Where(r => Resources(r).Contains(key.Arn)).ToList();
            return records.Count(r => Name(r) == "Decrypt") == 2 && records.Any(r => Name(r) == "ReEncrypt");
        });

        var decrypts = records.Where(r => Name(r) == "Decrypt").ToList();
        Assert.Contains(decrypts, r => Arn(r) == Alice && !r.TryGetProperty("errorCode", out _));
        Assert.Contains(decrypts, r => Arn(r) == Bob && r.GetProperty("errorCode").GetString() == PolicyCase.Denied);
        var reEncrypt = records.Single(r => Name(r) == "ReEncrypt");
        Assert.Equal(new[] { key.Arn, other.Arn }.Order(StringComparer.Ordinal), Resources(reEncrypt).Order(StringComparer.Ordinal));

        static string? Name(JsonElement r) => r.GetProperty("eventName").GetString();
        static string? Arn(JsonElement r) => r.GetProperty("userIdentity").GetProperty("arn").GetString();
    }

    private static List<string> Resources(JsonElement record) =>
        [.. record.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("ARN").GetString()!)];

    /// <summary>"Allow" when the call succeeds, else the AWS error code it answered with.</summary>
    private static async Task<string> OutcomeAsync(Func<Task> call)
    {
        try
        {
            await call();
            return PolicyCase.Allowed;
        }
        catch (MrkException refused)
        {
            return refused.ErrorCode;
        }
    }
}
