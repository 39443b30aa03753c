using Grpc.Mrk.RegionNode.Domain.Model;
using Tag = Grpc.Mrk.V1.Tag;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>
/// AWS's resource quotas, lowered so a test reaches each: creating beyond one is refused with LimitExceededException
/// and writes nothing, and room made by deleting is room again.
/// </summary>
public sealed class ResourceQuotaTests
{
    private static readonly string[] Low =
    [
        "--Mrk:ResourceQuotas:KeysPerRegion", "3", "--Mrk:ResourceQuotas:Aliases", "1", "--Mrk:ResourceQuotas:GrantsPerKey", "2",
        "--Mrk:ResourceQuotas:GrantsPerPrincipalPerKey", "1", "--Mrk:ResourceQuotas:KeyPolicyBytes", "700", "--Mrk:ResourceQuotas:TagsPerKey", "2",
    ];

    [Fact]
    public async Task KeysAndAliases_BeyondTheirQuotas_AreRefused_AndDeletingMakesRoom()
    {
        await using var node = await InProcessRegionNode.StartAsync(extra: Low);
        var first = await node.CreateAsync();
        await node.CreateAsync();
        var replica = await node.CreateAsync(multiRegion: true);
        var refusal = await Errors.ExpectAsync("LimitExceededException", node.Kms.CreateKeyAsync(new CreateKeyRequest(), deadline: Deadline.Soon));
        Assert.Contains("3 KMS keys", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(3, (await node.Kms.ListKeysAsync(new ListKeysRequest(), deadline: Deadline.Soon)).Keys.Count);

        await node.Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/one", TargetKeyId = first.KeyId }, deadline: Deadline.Soon);
        await Errors.ExpectAsync("LimitExceededException", node.Kms.CreateAliasAsync(new CreateAliasRequest
        {
            AliasName = "alias/two", TargetKeyId = replica.KeyId,
        }, deadline: Deadline.Soon));
        Assert.Single((await node.Kms.ListAliasesAsync(new ListAliasesRequest(), deadline: Deadline.Soon)).Aliases);
        await node.Kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/one" }, deadline: Deadline.Soon);
        await node.Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/two", TargetKeyId = replica.KeyId }, deadline: Deadline.Soon);

        // A key pending deletion still counts, as at AWS; once deleted, its place is free.
        await node.Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = first.KeyId, PendingWindowInDays = 7 }, deadline: Deadline.Soon);
        await Errors.ExpectAsync("LimitExceededException", node.Kms.CreateKeyAsync(new CreateKeyRequest(), deadline: Deadline.Soon));
        await node.AdvanceClockAsync(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => (await node.Kms.ListKeysAsync(new ListKeysRequest(), deadline: Deadline.Soon)).Keys.Count == 2);
        await node.CreateAsync(description: "in the freed place");
    }

    [Fact]
    public async Task Grants_BeyondThePerKeyAndPerGranteeQuotas_AreRefused()
    {
        await using var node = await InProcessRegionNode.StartAsync(extra: Low);
        var principals = node.Services.GetRequiredService<PrincipalOperations>();
        var alice = await principals.CreatePrincipalAsync(Caller.System, "alice", PrincipalType.User, CancellationToken.None);
        var bob = await principals.CreatePrincipalAsync(Caller.System, "bob", PrincipalType.User, CancellationToken.None);
        var carol = await principals.CreatePrincipalAsync(Caller.System, "carol", PrincipalType.User, CancellationToken.None);
        var key = await node.CreateAsync();
        CreateGrantRequest For(Principal grantee, string name = "") => new()
        {
            KeyId = key.KeyId, GranteePrincipal = grantee.Arn, Operations = { GrantOperation.Encrypt }, Name = name,
        };

        await node.Kms.CreateGrantAsync(For(alice, "first"), deadline: Deadline.Soon);
        var perGrantee = await Errors.ExpectAsync("LimitExceededException", node.Kms.CreateGrantAsync(For(alice), deadline: Deadline.Soon));
        Assert.Contains("grants for a principal per KMS key", perGrantee.Status.Detail, StringComparison.Ordinal);

        // Repeating a named grant returns it again; it creates nothing, so no quota stands in its way.
        await node.Kms.CreateGrantAsync(For(alice, "first"), deadline: Deadline.Soon);
        await node.Kms.CreateGrantAsync(For(bob), deadline: Deadline.Soon);
        var perKey = await Errors.ExpectAsync("LimitExceededException", node.Kms.CreateGrantAsync(For(carol), deadline: Deadline.Soon));
        Assert.Contains("grants per KMS key", perKey.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, (await node.Kms.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).Grants.Count);
    }

    [Fact]
    public async Task TagsAndPolicySize_FollowTheirQuotas()
    {
        await using var node = await InProcessRegionNode.StartAsync(extra: Low);
        var key = await node.CreateAsync();
        await node.Kms.TagResourceAsync(new TagResourceRequest
        {
            KeyId = key.KeyId, Tags = { new Tag { TagKey = "a", TagValue = "1" }, new Tag { TagKey = "b", TagValue = "2" } },
        }, deadline: Deadline.Soon);
        await Errors.ExpectAsync("LimitExceededException", node.Kms.TagResourceAsync(new TagResourceRequest
        {
            KeyId = key.KeyId, Tags = { new Tag { TagKey = "c", TagValue = "3" } },
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("TagException", node.Kms.CreateKeyAsync(new CreateKeyRequest
        {
            Tags = { new Tag { TagKey = "a", TagValue = "1" }, new Tag { TagKey = "b", TagValue = "2" }, new Tag { TagKey = "c", TagValue = "3" } },
        }, deadline: Deadline.Soon));

        var policy = (await node.Kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).Policy;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(policy) <= 700);
        var padded = policy.Replace("\"Enable IAM User Permissions\"", $"\"{new string('x', 500)}\"", StringComparison.Ordinal);
        var refusal = await Errors.ExpectAsync("LimitExceededException", node.Kms.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId, PolicyName = "default", Policy = padded,
        }, deadline: Deadline.Soon));
        Assert.Contains("700 bytes", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(policy, (await node.Kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).Policy);
    }
}
