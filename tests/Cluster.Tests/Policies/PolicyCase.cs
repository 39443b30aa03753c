using Google.Protobuf;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyRegion;

namespace Grpc.Mrk.Cluster.Tests.Policies;

/// <summary>
/// One row of the policy table: on a fresh key of <see cref="Shape"/>, admin runs <see cref="Setup"/>, then sets
/// <see cref="Policy"/> (bypassing the lockout check; "{key}" stands for the key's ARN), then <see cref="Act"/> runs and
/// must end as <see cref="Expected"/>: "Allow", or the error code AWS answers with. A policy AWS refuses is expected to
/// be refused when it is set. <see cref="Doc"/> is the AWS document that decides the case.
/// </summary>
public sealed record PolicyCase(string Name, string Doc, string? Policy, Func<CaseRun, Task> Act, string Expected)
{
    public const string Allowed = "Allow";
    public const string Denied = "AccessDeniedException";
    public const string Malformed = "MalformedPolicyDocumentException";

    public KeyShape Shape { get; init; } = KeyShape.Symmetric;

    public Func<CaseRun, Task>? Setup { get; init; }

    public override string ToString() => Name;
}

/// <summary>What a case's steps work with: its key, a ciphertext under it for {dept: hr}, a second key, and the callers.</summary>
public sealed class CaseRun(PolicyRegion region, KeyMetadata key, ByteString ciphertext, KeyMetadata otherKey)
{
    public KeyMetadata Key { get; } = key;

    public KeyMetadata OtherKey { get; } = otherKey;

    public ByteString Ciphertext { get; } = ciphertext;

    /// <summary>Values a setup leaves for the act (a grant's ID or token).</summary>
    public Dictionary<string, string> Saved { get; } = new(StringComparer.Ordinal);

    public MrkClient As(string who) => region.As(who);

    public Task<T> Call<T>(string who, Func<KeyManagementService.KeyManagementServiceClient, CallOptions, AsyncUnaryCall<T>> call) =>
        region.As(who).CallAsync(call).WithTimeout();

    public Task Encrypt(string who, params string[] context) => Call(who, (c, o) => c.EncryptAsync(WithContext(new EncryptRequest
    {
        KeyId = Key.KeyId, Plaintext = ByteString.CopyFromUtf8("x"),
    }, context), o));

    public Task EncryptVia(string who, string keyId, params string[] grantTokens) => Call(who, (c, o) => c.EncryptAsync(new EncryptRequest
    {
        KeyId = keyId, Plaintext = ByteString.CopyFromUtf8("x"), EncryptionContext = { ["dept"] = "hr" }, GrantTokens = { grantTokens },
    }, o));

    public Task EncryptDryRun(string who) => Call(who, (c, o) => c.EncryptAsync(new EncryptRequest
    {
        KeyId = Key.KeyId, Plaintext = ByteString.CopyFromUtf8("x"), DryRun = true,
    }, o));

    public Task Decrypt(string who) =>
        Call(who, (c, o) => c.DecryptAsync(new DecryptRequest { CiphertextBlob = Ciphertext, EncryptionContext = { ["dept"] = "hr" } }, o));

    public Task GenerateDataKey(string who) =>
        Call(who, (c, o) => c.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = Key.KeyId, KeySpec = DataKeySpec.Aes256 }, o));

    public Task DataKeyPair(string who, DataKeyPairSpec spec) =>
        Call(who, (c, o) => c.GenerateDataKeyPairWithoutPlaintextAsync(new GenerateDataKeyPairWithoutPlaintextRequest { KeyId = Key.KeyId, KeyPairSpec = spec }, o));

    public Task Describe(string who) => Call(who, (c, o) => c.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Key.KeyId }, o));

    /// <summary>Re-encrypts the case's ciphertext to its own key or to the other key (which admin's default policy covers).</summary>
    public Task ReEncrypt(string who, bool toSameKey) => Call(who, (c, o) => c.ReEncryptAsync(new ReEncryptRequest
    {
        CiphertextBlob = Ciphertext, SourceEncryptionContext = { ["dept"] = "hr" }, DestinationKeyId = toSameKey ? Key.KeyId : OtherKey.KeyId,
    }, o));

    public Task PutPolicy(string who, string policy, bool bypass = false) => Call(who, (c, o) => c.PutKeyPolicyAsync(new PutKeyPolicyRequest
    {
        KeyId = Key.KeyId, Policy = policy.Replace("{key}", Key.Arn, StringComparison.Ordinal), BypassPolicyLockoutSafetyCheck = bypass,
    }, o));

    public async Task<CreateGrantResponse> Grant(string who, string grantee, GrantOperation[] operations, string[]? subset = null, string[]? equals = null,
        string? retiring = null)
    {
        var request = new CreateGrantRequest { KeyId = Key.KeyId, GranteePrincipal = grantee, Operations = { operations }, RetiringPrincipal = retiring ?? string.Empty };
        if (subset is not null || equals is not null)
        {
            request.Constraints = new GrantConstraints();
            Pairs(request.Constraints.EncryptionContextSubset, subset ?? []);
            Pairs(request.Constraints.EncryptionContextEquals, equals ?? []);
        }

        return await Call(who, (c, o) => c.CreateGrantAsync(request, o));
    }

    /// <summary>Admin's grant, its ID and token saved as "grant" and "token".</summary>
    public async Task SavedGrant(string grantee, GrantOperation[] operations, string[]? subset = null, string[]? equals = null, string? retiring = null)
    {
        var grant = await Grant("admin", grantee, operations, subset, equals, retiring);
        Saved["grant"] = grant.GrantId;
        Saved["token"] = grant.GrantToken;
    }

    public Task Retire(string who) =>
        Call(who, (c, o) => c.RetireGrantAsync(new RetireGrantRequest { KeyId = Key.KeyId, GrantId = Saved["grant"] }, o));

    public Task Tag(string who, string tagKey, string tagValue) =>
        Call(who, (c, o) => c.TagResourceAsync(new TagResourceRequest { KeyId = Key.KeyId, Tags = { new Tag { TagKey = tagKey, TagValue = tagValue } } }, o));

    public Task Untag(string who, string tagKey) =>
        Call(who, (c, o) => c.UntagResourceAsync(new UntagResourceRequest { KeyId = Key.KeyId, TagKeys = { tagKey } }, o));

    public Task Sign(string who, SigningAlgorithmSpec algorithm, MessageType type = MessageType.Raw) => Call(who, (c, o) => c.SignAsync(new SignRequest
    {
        KeyId = Key.KeyId, SigningAlgorithm = algorithm, MessageType = type,
        Message = ByteString.CopyFrom(type == MessageType.Digest ? new byte[algorithm == SigningAlgorithmSpec.EcdsaSha384 ? 48 : 32] : "x"u8.ToArray()),
    }, o));

    public Task Mac(string who, MacAlgorithmSpec algorithm = MacAlgorithmSpec.HmacSha256) =>
        Call(who, (c, o) => c.GenerateMacAsync(new GenerateMacRequest { KeyId = Key.KeyId, MacAlgorithm = algorithm, Message = ByteString.CopyFromUtf8("x") }, o));

    public Task Rotate(string who, int days) =>
        Call(who, (c, o) => c.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = Key.KeyId, RotationPeriodInDays = days }, o));

    public Task ScheduleDeletion(string who, int days) =>
        Call(who, (c, o) => c.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = Key.KeyId, PendingWindowInDays = days }, o));

    public Task Alias(string who, string name) =>
        Call(who, (c, o) => c.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = Key.KeyId }, o));

    /// <summary>An alias name unique to this case's key (alias names are per Region).</summary>
    public string AliasName(string prefix) => $"alias/{prefix}-{Key.KeyId[^12..]}";

    private static EncryptRequest WithContext(EncryptRequest request, string[] context)
    {
        Pairs(request.EncryptionContext, context);
        return request;
    }

    private static void Pairs(Google.Protobuf.Collections.MapField<string, string> map, string[] pairs)
    {
        foreach (var pair in pairs)
        {
            var at = pair.IndexOf('=', StringComparison.Ordinal);
            map[pair[..at]] = pair[(at + 1)..];
        }
    }
}

/// <summary>Key policy text for the table: statements, principals and the documents that decide them.</summary>
public static class P
{
    public const string KeyPolicies = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html";
    public const string Principals = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html";
    public const string Actions = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html";
    public const string NotActions = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
    public const string Resources = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html";
    public const string Evaluation = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";
    public const string OperatorsDoc = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";
    public const string MultiValued = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
    public const string GlobalKeys = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html";
    public const string KmsKeys = "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html";
    public const string GrantsDoc = "https://docs.aws.amazon.com/kms/latest/developerguide/grants.html";
    public const string GrantConstraintsDoc = "https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html";
    public const string RetireGrantDoc = "https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html";
    public const string GrantTokensDoc = "https://docs.aws.amazon.com/kms/latest/developerguide/using-grant-token.html";
    public const string CreateGrantDoc = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html";
    public const string Lockout = "https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html";
    public const string DryRun = "https://docs.aws.amazon.com/kms/latest/developerguide/programming-dryrun.html";
    public const string Abac = "https://docs.aws.amazon.com/kms/latest/developerguide/abac.html";

    public static string Doc(params string[] statements) => $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", statements)}}]}""";

    public static string Aws(params string[] arns) => arns.Length == 1
        ? $$"""{"AWS":"{{arns[0]}}"}"""
        : $$"""{"AWS":[{{string.Join(",", arns.Select(a => $"\"{a}\""))}}]}""";

    public static string Allow(string principal, string actions, string? condition = null, string resource = "\"*\"") =>
        Statement("Allow", principal, actions, condition, resource);

    public static string Deny(string principal, string actions, string? condition = null, string resource = "\"*\"") =>
        Statement("Deny", principal, actions, condition, resource);

    /// <summary>Every principal of the account may do everything: the default policy's statement.</summary>
    public static string RootAll => Allow(Aws(Root), "\"kms:*\"");

    /// <summary>A policy of one Allow for <paramref name="who"/>, with a condition.</summary>
    public static string Only(string who, string actions, string condition) => Doc(Allow(Aws(who), actions, condition));

    private static string Statement(string effect, string principal, string actions, string? condition, string resource) =>
        $$"""{"Effect":"{{effect}}","Principal":{{principal}},"Action":{{actions}},"Resource":{{resource}}{{(condition is null ? "" : ",\"Condition\":" + condition)}}}""";
}
