using Google.Protobuf;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>ReplicateKey's refusals and the independence of related keys, on one shared three-Region cluster.</summary>
public sealed class MultiRegionManagementTests(ThreeRegionClusterFixture fixture) : IClassFixture<ThreeRegionClusterFixture>
{
    private ThreeRegionCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task ReplicateKey_RefusedAsAwsRefuses_AndNothingChanges()
    {
        var single = await Cluster[East].CreateAsync();
        await Errors.ExpectAsync("UnsupportedOperationException", Replicate(single.KeyId, West));

        var key = await Cluster[East].CreateAsync(multiRegion: true);
        await Errors.ExpectAsync("ValidationException", Replicate(key.KeyId, East));
        await Errors.ExpectAsync("ValidationException", Replicate(key.KeyId, "not a region"));
        await Errors.ExpectAsync("UnsupportedOperationException", Replicate(key.KeyId, "eu-central-1"));
        await Errors.ExpectAsync("NotFoundException", Replicate("mrk-0123456789abcdef0123456789abcdef", West));
        await Errors.ExpectAsync("MalformedPolicyDocumentException", Cluster.Kms(East).ReplicateKeyAsync(
            new ReplicateKeyRequest { KeyId = key.KeyId, ReplicaRegion = West, Policy = "{not json" }, deadline: Deadline.Soon));

        await Cluster.Kms(East).DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Errors.ExpectAsync("DisabledException", Replicate(key.KeyId, West));
        await Cluster.Kms(East).EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Empty((await Cluster.DescribeAsync(East, key.KeyId)).MultiRegionConfiguration.ReplicaKeys);

        var response = await Cluster.Kms(East).ReplicateKeyAsync(new ReplicateKeyRequest
        {
            KeyId = key.KeyId, ReplicaRegion = West, Description = "the west copy",
            Tags = { new Tag { TagKey = "team", TagValue = "payments" } },
        }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal(KeyState.Creating, response.ReplicaKeyMetadata.KeyState);
        Assert.False(response.ReplicaKeyMetadata.Enabled);
        Assert.Equal(MultiRegionKeyType.Replica, response.ReplicaKeyMetadata.MultiRegionConfiguration.MultiRegionKeyType);
        Assert.Equal($"arn:aws:kms:{West}:111122223333:key/{key.KeyId}", response.ReplicaKeyMetadata.Arn);
        Assert.Contains("arn:aws:iam::111122223333:root", response.ReplicaPolicy, StringComparison.Ordinal);
        Assert.Equal("payments", Assert.Single(response.ReplicaTags).TagValue);

        // Already there (Creating, Enabled or pending deletion alike); and a replica cannot be replicated.
        await Errors.ExpectAsync("AlreadyExistsException", Replicate(key.KeyId, West));
        var west = await Cluster.UntilAsync(West, key.KeyId, m => m.KeyState == KeyState.Enabled);
        Assert.Equal("the west copy", west.Description);
        var tags = await Cluster.Kms(West).ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal("team", Assert.Single(tags.Tags).TagKey);
        await Errors.ExpectAsync("UnsupportedOperationException", Cluster.Kms(West).ReplicateKeyAsync(
            new ReplicateKeyRequest { KeyId = key.KeyId, ReplicaRegion = Sydney }, deadline: Deadline.Soon));
        await Cluster.Kms(West).ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Errors.ExpectAsync("AlreadyExistsException", Replicate(key.KeyId, West));
    }

    [Fact]
    public async Task RelatedKeys_IndependentProperties_ReplicaWorksWithItsPrimaryDisabled()
    {
        var key = await Cluster[East].CreateAsync(multiRegion: true, description: "primary");
        await Cluster.ReplicateAsync(East, key.KeyId, West, Sydney);

        await Cluster.Kms(East).DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Cluster.Kms(East).TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = { new Tag { TagKey = "only", TagValue = "east" } } },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Cluster.Kms(West).UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "west's own" },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Cluster.Kms(Sydney).CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/sydney-only", TargetKeyId = key.KeyId },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        var westPolicy = """{"Version":"2012-10-17","Statement":[{"Sid":"west","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}""";
        await Cluster.Kms(West).PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default", Policy = westPolicy },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();

        // At a quiet point, when whatever the Regions sent each other has arrived, every Region kept its own.
        await Cluster.QuiescentAsync();
        var east = await Cluster.DescribeAsync(East, key.KeyId);
        var west = await Cluster.DescribeAsync(West, key.KeyId);
        var sydney = await Cluster.DescribeAsync(Sydney, key.KeyId);
        Assert.Equal((KeyState.Disabled, "primary"), (east.KeyState, east.Description));
        Assert.Equal((KeyState.Enabled, "west's own"), (west.KeyState, west.Description));
        Assert.Equal((KeyState.Enabled, string.Empty), (sydney.KeyState, sydney.Description));
        foreach (var region in new[] { West, Sydney })
        {
            var tags = await Cluster.Kms(region).ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
            Assert.Empty(tags.Tags);
        }

        await Errors.ExpectAsync("NotFoundException", Cluster.Kms(West).DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/sydney-only" }, deadline: Deadline.Soon));
        var policies = await Cluster.Kms(Sydney).GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default" }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.DoesNotContain("\"west\"", policies.Policy, StringComparison.Ordinal);

        // The primary is disabled; its replicas still encrypt and decrypt for each other.
        var ciphertext = (await Cluster.Kms(West).EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("still works") },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout()).CiphertextBlob;
        var plaintext = await Cluster.Kms(Sydney).DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext, KeyId = "alias/sydney-only" },
            deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal("still works", plaintext.Plaintext.ToStringUtf8());
        await Errors.ExpectAsync("DisabledException", Cluster.Kms(East).DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, deadline: Deadline.Soon));
    }

    [Fact]
    public async Task Policies_DataResidency_ReplicateOnlyIntoTheEu_AndAReplicaThatRefusesDecrypt()
    {
        var key = await Cluster[East].CreateAsync(multiRegion: true);
        var euOnly = """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
              {"Sid":"eu-only","Effect":"Deny","Principal":"*","Action":"kms:ReplicateKey","Resource":"*",
               "Condition":{"StringNotLike":{"kms:ReplicaRegion":"eu-*"}}}]}
            """;
        await Cluster.Kms(East).PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = euOnly }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Errors.ExpectAsync("AccessDeniedException", Replicate(key.KeyId, Sydney));
        await Cluster.ReplicateAsync(East, key.KeyId, West);

        // The replica's own policy denies Decrypt; the primary's still allows it.
        var noDecrypt = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}
            """;
        await Cluster.Kms(West).PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = noDecrypt }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        var ciphertext = await Cluster.EncryptAsync(West, key.KeyId, "resident");
        await Errors.ExpectAsync("AccessDeniedException", Cluster.Kms(West).DecryptAsync(new DecryptRequest { CiphertextBlob = ciphertext }, deadline: Deadline.Soon));
        Assert.Equal("resident", await Cluster.DecryptTextAsync(East, ciphertext));
        Assert.Contains("eu-only", (await Cluster.Kms(East).GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout()).Policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Grants_StayInTheirRegion()
    {
        var key = await Cluster[East].CreateAsync(multiRegion: true);
        await Cluster.ReplicateAsync(East, key.KeyId, West);
        // A grantee must exist where the grant is made; the same role exists in West too, and still gets no grant there.
        foreach (var region in new[] { East, West })
        {
            await Cluster[region].Client.InvokeAsync(Admin.V1.PrincipalAdmin.Descriptor.FindMethodByName("CreatePrincipal"),
                new Admin.V1.CreatePrincipalRequest { Name = $"reader-{key.KeyId[^8..]}", Type = "role" }).WithTimeout();
        }

        await Cluster.Kms(East).CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId, GranteePrincipal = $"arn:aws:iam::111122223333:role/reader-{key.KeyId[^8..]}", Operations = { GrantOperation.Decrypt },
        }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        await Cluster.QuiescentAsync();
        Assert.Single((await Cluster.Kms(East).ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).Grants);
        Assert.Empty((await Cluster.Kms(West).ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).Grants);
    }

    [Fact]
    public async Task Audit_ReplicaRegionRecordsItsCreationAndEverySyncItApplies()
    {
        var key = await Cluster[East].CreateAsync(multiRegion: true);
        await Cluster.ReplicateAsync(East, key.KeyId, West);
        await Cluster.Kms(East).EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        var westArn = $"arn:aws:kms:{West}:111122223333:key/{key.KeyId}";
        await Eventually.TrueAsync(async () =>
        {
            var records = (await Cluster[West].Client.InvokeAsync(AuditLog.Descriptor.Methods.Single(m => m.Name == "ListAuditRecords"),
                new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout() as ListAuditRecordsResponse)!.Records
                .Select(r => System.Text.Json.JsonDocument.Parse(r.Json).RootElement.Clone())
                .Where(r => r.GetProperty("resources").EnumerateArray().Any(x => x.GetProperty("ARN").GetString() == westArn))
                .ToList();
            bool Has(string name) => records.Any(r => r.GetProperty("eventName").GetString() == name
                                                     && r.GetProperty("eventType").GetString() == "AwsServiceEvent"
                                                     && r.GetProperty("userIdentity").GetProperty("invokedBy").GetString() == "kms.amazonaws.com");
            return Has("CreateKey") && Has("SynchronizeMultiRegionKey");
        });
    }

    private Grpc.Core.AsyncUnaryCall<ReplicateKeyResponse> Replicate(string keyId, string region) =>
        Cluster.Kms(East).ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = keyId, ReplicaRegion = region }, deadline: Deadline.Soon);
}
