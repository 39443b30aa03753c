using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Policies;
using static Grpc.Mrk.RegionNode.Domain.Policies.PolicyDecision;

namespace Grpc.Mrk.RegionNode.UnitTests.Policies;

/// <summary>
/// The policy table: principal x action x condition x expected decision, for IAM's grammar and every kms condition key
/// the service sets, including the multi-Region ones that carry data-residency rules.
/// </summary>
public sealed class PolicyEvaluationTests
{
    private const string Account = "111122223333";
    private const string Alice = "arn:aws:iam::111122223333:user/alice";
    private const string Bob = "arn:aws:iam::111122223333:user/bob";
    private const string Admin = "arn:aws:iam::111122223333:role/admin-ops";
    private const string Stranger = "arn:aws:iam::444455556666:user/mallory";
    private const string Key = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
    private const string OtherKey = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";

    private const string RootAll = """{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}""";

    private static string Allowing(string principal, string action, string condition = "", string resource = "\"*\"") =>
        $$"""{"Effect":"Allow","Principal":{{principal}},"Action":{{action}},"Resource":{{resource}}{{(condition.Length > 0 ? ",\"Condition\":" + condition : "")}}}""";

    private static readonly Dictionary<string, (string Statements, string Principal, string Action, (string Key, string[] Values)[] Context, PolicyDecision Expected)> Cases =
        new()
        {
            ["default policy: user of the account"] = (RootAll, Alice, "kms:Encrypt", [], Allow),
            ["default policy: role of the account"] = (RootAll, Admin, "kms:ScheduleKeyDeletion", [], Allow),
            ["default policy: other account"] = (RootAll, Stranger, "kms:Decrypt", [], ImplicitDeny),
            ["account ID as principal"] = (Allowing("{\"AWS\":\"111122223333\"}", "\"kms:Decrypt\""), Bob, "kms:Decrypt", [], Allow),
            ["named user allowed"] = (Allowing($"{{\"AWS\":\"{Alice}\"}}", "[\"kms:Encrypt\",\"kms:Decrypt\"]"), Alice, "kms:Decrypt", [], Allow),
            ["named user, other action"] = (Allowing($"{{\"AWS\":\"{Alice}\"}}", "[\"kms:Encrypt\",\"kms:Decrypt\"]"), Alice, "kms:Sign", [], ImplicitDeny),
            ["named user, other user"] = (Allowing($"{{\"AWS\":\"{Alice}\"}}", "\"kms:Encrypt\""), Bob, "kms:Encrypt", [], ImplicitDeny),
            ["principal list"] = (Allowing($"{{\"AWS\":[\"{Alice}\",\"{Bob}\"]}}", "\"kms:Encrypt\""), Bob, "kms:Encrypt", [], Allow),
            ["principal star"] = (Allowing("\"*\"", "\"kms:GenerateRandom\""), Stranger, "kms:GenerateRandom", [], Allow),
            ["principal AWS star"] = (Allowing("{\"AWS\":\"*\"}", "\"kms:DescribeKey\""), Stranger, "kms:DescribeKey", [], Allow),
            ["service principal matches no caller"] = (Allowing("{\"Service\":\"logs.amazonaws.com\"}", "\"kms:*\""), Alice, "kms:Encrypt", [], ImplicitDeny),
            ["action wildcard prefix"] = (Allowing("\"*\"", "\"kms:Generate*\""), Alice, "kms:GenerateDataKey", [], Allow),
            ["action wildcard prefix, MAC"] = (Allowing("\"*\"", "\"kms:Generate*\""), Alice, "kms:GenerateMac", [], Allow),
            ["action wildcard prefix, no match"] = (Allowing("\"*\"", "\"kms:Generate*\""), Alice, "kms:Encrypt", [], ImplicitDeny),
            ["action question mark"] = (Allowing("\"*\"", "\"kms:?ncrypt\""), Alice, "kms:Encrypt", [], Allow),
            ["action case-insensitive"] = (Allowing("\"*\"", "\"KMS:encrypt\""), Alice, "kms:Encrypt", [], Allow),
            ["action star"] = (Allowing("\"*\"", "\"*\""), Alice, "kms:PutKeyPolicy", [], Allow),
            ["explicit deny wins"] = (RootAll + "," + $$"""{"Effect":"Deny","Principal":{"AWS":"{{Bob}}"},"Action":"kms:Decrypt","Resource":"*"}""", Bob, "kms:Decrypt", [], ExplicitDeny),
            ["deny of another action"] = (RootAll + "," + $$"""{"Effect":"Deny","Principal":{"AWS":"{{Bob}}"},"Action":"kms:Decrypt","Resource":"*"}""", Bob, "kms:Encrypt", [], Allow),
            ["deny of another principal"] = (RootAll + "," + $$"""{"Effect":"Deny","Principal":{"AWS":"{{Bob}}"},"Action":"kms:Decrypt","Resource":"*"}""", Alice, "kms:Decrypt", [], Allow),
            ["NotAction excludes"] = ($$"""{"Effect":"Allow","Principal":{"AWS":"{{Alice}}"},"NotAction":"kms:ScheduleKeyDeletion","Resource":"*"}""", Alice, "kms:ScheduleKeyDeletion", [], ImplicitDeny),
            ["NotAction includes the rest"] = ($$"""{"Effect":"Allow","Principal":{"AWS":"{{Alice}}"},"NotAction":"kms:ScheduleKeyDeletion","Resource":"*"}""", Alice, "kms:Encrypt", [], Allow),
            ["NotPrincipal deny hits others"] = (RootAll + "," + $$"""{"Effect":"Deny","NotPrincipal":{"AWS":"{{Alice}}"},"Action":"kms:Decrypt","Resource":"*"}""", Bob, "kms:Decrypt", [], ExplicitDeny),
            ["NotPrincipal deny spares the named"] = (RootAll + "," + $$"""{"Effect":"Deny","NotPrincipal":{"AWS":"{{Alice}}"},"Action":"kms:Decrypt","Resource":"*"}""", Alice, "kms:Decrypt", [], Allow),
            ["resource is this key"] = (Allowing("\"*\"", "\"kms:Encrypt\"", resource: $"\"{Key}\""), Alice, "kms:Encrypt", [], Allow),
            ["resource is another key"] = (Allowing("\"*\"", "\"kms:Encrypt\"", resource: $"\"{OtherKey}\""), Alice, "kms:Encrypt", [], ImplicitDeny),
            ["resource wildcard ARN"] = (Allowing("\"*\"", "\"kms:Encrypt\"", resource: "\"arn:aws:kms:*:111122223333:key/mrk-*\""), Alice, "kms:Encrypt", [], Allow),
            ["ReplicaRegion eu-* lets eu-west-1"] = (Allowing("\"*\"", "\"kms:ReplicateKey\"", """{"StringLike":{"kms:ReplicaRegion":"eu-*"}}"""), Admin, "kms:ReplicateKey", [("kms:ReplicaRegion", ["eu-west-1"])], Allow),
            ["ReplicaRegion eu-* refuses ap-southeast-2"] = (Allowing("\"*\"", "\"kms:ReplicateKey\"", """{"StringLike":{"kms:ReplicaRegion":"eu-*"}}"""), Admin, "kms:ReplicateKey", [("kms:ReplicaRegion", ["ap-southeast-2"])], ImplicitDeny),
            ["ReplicaRegion absent"] = (Allowing("\"*\"", "\"kms:ReplicateKey\"", """{"StringLike":{"kms:ReplicaRegion":"eu-*"}}"""), Admin, "kms:ReplicateKey", [], ImplicitDeny),
            ["deny ReplicateKey outside the EU"] = (RootAll + """,{"Effect":"Deny","Principal":"*","Action":"kms:ReplicateKey","Resource":"*","Condition":{"StringNotLike":{"kms:ReplicaRegion":"eu-*"}}}""", Admin, "kms:ReplicateKey", [("kms:ReplicaRegion", ["us-west-2"])], ExplicitDeny),
            ["deny outside the EU spares eu-central-1"] = (RootAll + """,{"Effect":"Deny","Principal":"*","Action":"kms:ReplicateKey","Resource":"*","Condition":{"StringNotLike":{"kms:ReplicaRegion":"eu-*"}}}""", Admin, "kms:ReplicateKey", [("kms:ReplicaRegion", ["eu-central-1"])], Allow),
            ["PrimaryRegion listed"] = (Allowing("\"*\"", "\"kms:UpdatePrimaryRegion\"", """{"StringEquals":{"kms:PrimaryRegion":["us-west-2","eu-west-1"]}}"""), Admin, "kms:UpdatePrimaryRegion", [("kms:PrimaryRegion", ["eu-west-1"])], Allow),
            ["PrimaryRegion not listed"] = (Allowing("\"*\"", "\"kms:UpdatePrimaryRegion\"", """{"StringEquals":{"kms:PrimaryRegion":["us-west-2","eu-west-1"]}}"""), Admin, "kms:UpdatePrimaryRegion", [("kms:PrimaryRegion", ["ap-southeast-2"])], ImplicitDeny),
            ["MultiRegion true"] = (Allowing("\"*\"", "\"kms:*\"", """{"Bool":{"kms:MultiRegion":"true"}}"""), Alice, "kms:Encrypt", [("kms:MultiRegion", ["true"])], Allow),
            ["MultiRegion false"] = (Allowing("\"*\"", "\"kms:*\"", """{"Bool":{"kms:MultiRegion":true}}"""), Alice, "kms:Encrypt", [("kms:MultiRegion", ["false"])], ImplicitDeny),
            ["MultiRegionKeyType PRIMARY on a primary"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEquals":{"kms:MultiRegionKeyType":"PRIMARY"}}"""), Alice, "kms:ReplicateKey", [("kms:MultiRegionKeyType", ["PRIMARY"])], Allow),
            ["MultiRegionKeyType PRIMARY on a replica"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEquals":{"kms:MultiRegionKeyType":"PRIMARY"}}"""), Alice, "kms:Decrypt", [("kms:MultiRegionKeyType", ["REPLICA"])], ImplicitDeny),
            ["EncryptionContext value matches"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEquals":{"kms:EncryptionContext:dept":"hr"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["hr"])], Allow),
            ["EncryptionContext key name case-insensitive"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEquals":{"kms:encryptioncontext:Dept":"hr"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["hr"])], Allow),
            ["EncryptionContext value differs"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEquals":{"kms:EncryptionContext:dept":"hr"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["it"])], ImplicitDeny),
            ["EncryptionContext value case-sensitive"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEquals":{"kms:EncryptionContext:dept":"hr"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["HR"])], ImplicitDeny),
            ["EncryptionContext IgnoreCase operator"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEqualsIgnoreCase":{"kms:EncryptionContext:dept":"hr"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["HR"])], Allow),
            ["EncryptionContext absent"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEquals":{"kms:EncryptionContext:dept":"hr"}}"""), Alice, "kms:Decrypt", [], ImplicitDeny),
            ["StringNotEquals, other value"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringNotEquals":{"kms:EncryptionContext:dept":"it"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["hr"])], Allow),
            ["StringNotEquals, key absent is true"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringNotEquals":{"kms:EncryptionContext:dept":"it"}}"""), Alice, "kms:Decrypt", [], Allow),
            ["StringNotEquals, same value"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringNotEquals":{"kms:EncryptionContext:dept":"it"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["it"])], ImplicitDeny),
            ["ForAllValues subset"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["dept","project"]}}"""), Alice, "kms:Encrypt", [("kms:EncryptionContextKeys", ["dept"])], Allow),
            ["ForAllValues with an extra key"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["dept","project"]}}"""), Alice, "kms:Encrypt", [("kms:EncryptionContextKeys", ["dept", "owner"])], ImplicitDeny),
            ["ForAllValues with no keys"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["dept","project"]}}"""), Alice, "kms:Encrypt", [], Allow),
            ["ForAnyValue one matches"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"dept"}}"""), Alice, "kms:Encrypt", [("kms:EncryptionContextKeys", ["owner", "dept"])], Allow),
            ["ForAnyValue none matches"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"dept"}}"""), Alice, "kms:Encrypt", [("kms:EncryptionContextKeys", ["owner"])], ImplicitDeny),
            ["ForAnyValue no keys"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"dept"}}"""), Alice, "kms:Encrypt", [], ImplicitDeny),
            ["Null false needs a context"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"Null":{"kms:EncryptionContextKeys":"false"}}"""), Alice, "kms:Encrypt", [("kms:EncryptionContextKeys", ["dept"])], Allow),
            ["Null false without a context"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"Null":{"kms:EncryptionContextKeys":"false"}}"""), Alice, "kms:Encrypt", [], ImplicitDeny),
            ["Null true without the key"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"Null":{"kms:EncryptionContextKeys":"true"}}"""), Alice, "kms:Encrypt", [], Allow),
            ["Null true with the key"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"Null":{"kms:EncryptionContextKeys":"true"}}"""), Alice, "kms:Encrypt", [("kms:EncryptionContextKeys", ["dept"])], ImplicitDeny),
            ["IfExists with the key"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEqualsIfExists":{"kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"""), Alice, "kms:Encrypt", [("kms:EncryptionAlgorithm", ["RSAES_OAEP_SHA_256"])], ImplicitDeny),
            ["IfExists without the key"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEqualsIfExists":{"kms:EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"""), Alice, "kms:DescribeKey", [], Allow),
            ["RotationPeriodInDays within"] = (Allowing("\"*\"", "\"kms:EnableKeyRotation\"", """{"NumericLessThanEquals":{"kms:RotationPeriodInDays":"180"}}"""), Admin, "kms:EnableKeyRotation", [("kms:RotationPeriodInDays", ["90"])], Allow),
            ["RotationPeriodInDays beyond"] = (Allowing("\"*\"", "\"kms:EnableKeyRotation\"", """{"NumericLessThanEquals":{"kms:RotationPeriodInDays":180}}"""), Admin, "kms:EnableKeyRotation", [("kms:RotationPeriodInDays", ["365"])], ImplicitDeny),
            ["PendingWindow at least 14"] = (Allowing("\"*\"", "\"kms:ScheduleKeyDeletion\"", """{"NumericGreaterThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"14"}}"""), Admin, "kms:ScheduleKeyDeletion", [("kms:ScheduleKeyDeletionPendingWindowInDays", ["30"])], Allow),
            ["PendingWindow too short"] = (Allowing("\"*\"", "\"kms:ScheduleKeyDeletion\"", """{"NumericGreaterThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"14"}}"""), Admin, "kms:ScheduleKeyDeletion", [("kms:ScheduleKeyDeletionPendingWindowInDays", ["7"])], ImplicitDeny),
            ["NumericLessThan strict"] = (Allowing("\"*\"", "\"kms:EnableKeyRotation\"", """{"NumericLessThan":{"kms:RotationPeriodInDays":"180"}}"""), Admin, "kms:EnableKeyRotation", [("kms:RotationPeriodInDays", ["180"])], ImplicitDeny),
            ["NumericGreaterThan strict"] = (Allowing("\"*\"", "\"kms:EnableKeyRotation\"", """{"NumericGreaterThan":{"kms:RotationPeriodInDays":"100"}}"""), Admin, "kms:EnableKeyRotation", [("kms:RotationPeriodInDays", ["101"])], Allow),
            ["CallerAccount in"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEquals":{"kms:CallerAccount":"111122223333"}}"""), Alice, "kms:Encrypt", [("kms:CallerAccount", [Account])], Allow),
            ["CallerAccount out"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEquals":{"kms:CallerAccount":"111122223333"}}"""), Stranger, "kms:Encrypt", [("kms:CallerAccount", ["444455556666"])], ImplicitDeny),
            ["SigningAlgorithm like ECDSA_*"] = (Allowing("\"*\"", "\"kms:Sign\"", """{"StringLike":{"kms:SigningAlgorithm":"ECDSA_*"}}"""), Alice, "kms:Sign", [("kms:SigningAlgorithm", ["ECDSA_SHA_256"])], Allow),
            ["SigningAlgorithm not PSS"] = (Allowing("\"*\"", "\"kms:Sign\"", """{"StringLike":{"kms:SigningAlgorithm":"ECDSA_*"}}"""), Alice, "kms:Sign", [("kms:SigningAlgorithm", ["RSASSA_PSS_SHA_256"])], ImplicitDeny),
            ["MacAlgorithm"] = (Allowing("\"*\"", "\"kms:GenerateMac\"", """{"StringEquals":{"kms:MacAlgorithm":"HMAC_SHA_512"}}"""), Alice, "kms:GenerateMac", [("kms:MacAlgorithm", ["HMAC_SHA_256"])], ImplicitDeny),
            ["KeySpec"] = (Allowing("\"*\"", "\"kms:CreateKey\"", """{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}"""), Alice, "kms:CreateKey", [("kms:KeySpec", ["SYMMETRIC_DEFAULT"])], Allow),
            ["KeyUsage"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEquals":{"kms:KeyUsage":"SIGN_VERIFY"}}"""), Alice, "kms:Encrypt", [("kms:KeyUsage", ["ENCRYPT_DECRYPT"])], ImplicitDeny),
            ["KeyOrigin"] = (Allowing("\"*\"", "\"kms:*\"", """{"StringEquals":{"kms:KeyOrigin":"AWS_KMS"}}"""), Alice, "kms:Encrypt", [("kms:KeyOrigin", ["AWS_KMS"])], Allow),
            ["GrantOperations within"] = (Allowing("\"*\"", "\"kms:CreateGrant\"", """{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","Decrypt"]}}"""), Admin, "kms:CreateGrant", [("kms:GrantOperations", ["Decrypt"])], Allow),
            ["GrantOperations beyond"] = (Allowing("\"*\"", "\"kms:CreateGrant\"", """{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","Decrypt"]}}"""), Admin, "kms:CreateGrant", [("kms:GrantOperations", ["Decrypt", "ReEncryptFrom"])], ImplicitDeny),
            ["GranteePrincipal"] = (Allowing("\"*\"", "\"kms:CreateGrant\"", "{\"StringEquals\":{\"kms:GranteePrincipal\":\"" + Bob + "\"}}"), Admin, "kms:CreateGrant", [("kms:GranteePrincipal", [Bob])], Allow),
            ["RequestAlias like"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"StringLike":{"kms:RequestAlias":"alias/app-*"}}"""), Alice, "kms:Encrypt", [("kms:RequestAlias", ["alias/app-payments"])], Allow),
            ["RequestAlias absent (key ID used)"] = (Allowing("\"*\"", "\"kms:Encrypt\"", """{"StringLike":{"kms:RequestAlias":"alias/app-*"}}"""), Alice, "kms:Encrypt", [], ImplicitDeny),
            ["ResourceAliases any"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance"}}"""), Alice, "kms:Decrypt", [("kms:ResourceAliases", ["alias/x", "alias/finance"])], Allow),
            ["ResourceAliases none"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance"}}"""), Alice, "kms:Decrypt", [("kms:ResourceAliases", ["alias/x"])], ImplicitDeny),
            ["PrincipalArn like role/admin-*"] = (Allowing("\"*\"", "\"kms:*\"", """{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/admin-*"}}"""), Admin, "kms:DisableKey", [("aws:PrincipalArn", [Admin])], Allow),
            ["PrincipalArn not an admin"] = (Allowing("\"*\"", "\"kms:*\"", """{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/admin-*"}}"""), Alice, "kms:DisableKey", [("aws:PrincipalArn", [Alice])], ImplicitDeny),
            ["conditions AND, all hold"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEquals":{"kms:EncryptionContext:dept":"hr","kms:CallerAccount":"111122223333"},"Bool":{"kms:MultiRegion":"true"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["hr"]), ("kms:CallerAccount", [Account]), ("kms:MultiRegion", ["true"])], Allow),
            ["conditions AND, one fails"] = (Allowing("\"*\"", "\"kms:Decrypt\"", """{"StringEquals":{"kms:EncryptionContext:dept":"hr","kms:CallerAccount":"111122223333"},"Bool":{"kms:MultiRegion":"true"}}"""), Alice, "kms:Decrypt", [("kms:EncryptionContext:dept", ["hr"]), ("kms:CallerAccount", [Account]), ("kms:MultiRegion", ["false"])], ImplicitDeny),
            ["replica policy denies Decrypt to bob"] = (RootAll + $$""",{"Sid":"residency","Effect":"Deny","Principal":{"AWS":"{{Bob}}"},"Action":["kms:Decrypt","kms:ReEncrypt*"],"Resource":"*"}""", Bob, "kms:ReEncryptFrom", [], ExplicitDeny),
            ["single statement object, not a list"] = ("SINGLE", Alice, "kms:Encrypt", [], Allow),
        };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Evaluate_AsIamDoes(string name)
    {
        var (statements, principal, action, context, expected) = Cases[name];
        var json = statements == "SINGLE"
            ? $$"""{"Version":"2012-10-17","Statement":{{RootAll}}}"""
            : $$"""{"Version":"2012-10-17","Statement":[{{statements}}]}""";
        var document = PolicyDocument.Parse(json);
        var request = new AccessRequest(principal, action, Key, IdOf(principal));
        // What the node builds: a request that keeps only the condition keys this policy asks about.
        var narrowed = new AccessRequest(principal, action, Key, IdOf(principal), document.ConditionKeys);
        foreach (var (key, values) in context)
        {
            request.With(key, values);
            narrowed.With(key, values);
        }

        // Every principal the policy names is bound to the ID of the principal of that name today.
        var bindings = document.NamedPrincipals.ToDictionary(arn => arn, IdOf);
        Assert.Equal(expected, document.Evaluate(request, bindings));
        Assert.Equal(expected, document.Evaluate(narrowed, bindings));
    }

    [Fact]
    public void ConditionKeys_AreTheKeysItsConditionsAskAbout_AndANarrowedRequestKeepsOnlyThose()
    {
        const string denyUnlessTenantA = """
            {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*",
             "Condition":{"StringNotEquals":{"kms:EncryptionContext:Tenant":"a"},"Bool":{"aws:SecureTransport":"true"}}}
            """;
        var document = PolicyDocument.Parse("{\"Version\":\"2012-10-17\",\"Statement\":[" + RootAll + "," + denyUnlessTenantA + "]}");
        Assert.Equal(2, document.ConditionKeys.Count);
        Assert.Contains("KMS:ENCRYPTIONCONTEXT:TENANT", document.ConditionKeys);
        Assert.Contains("aws:securetransport", document.ConditionKeys);
        Assert.Empty(PolicyDocument.Parse($$"""{"Version":"2012-10-17","Statement":[{{RootAll}}]}""").ConditionKeys);

        var request = new AccessRequest(Alice, "kms:Decrypt", Key, IdOf(Alice), document.ConditionKeys)
            .With("kms:EncryptionContext:tenant", "b").With("aws:SourceIp", "192.0.2.1").With("aws:SecureTransport", "true");
        Assert.Equal(["b"], request.Values("kms:EncryptionContext:Tenant"));
        Assert.Null(request.Values("aws:SourceIp"));
        Assert.False(request.Asks("kms:KeySpec"));
        Assert.Equal(ExplicitDeny, document.Evaluate(request, new Dictionary<string, string>()));
        Assert.True(new AccessRequest(Alice, "kms:Decrypt", Key, IdOf(Alice), new HashSet<string>()).AsksNothing);
    }

    [Fact]
    public void NamedPrincipal_MatchesOnlyTheIdItWasBoundTo()
    {
        var document = PolicyDocument.Parse($$"""{"Statement":[{{Allowing($"{{\"AWS\":\"{Alice}\"}}", "\"kms:Encrypt\"")}}]}""");
        var bindings = new Dictionary<string, string> { [Alice] = "AIDAORIGINALALICE0001" };
        Assert.Equal(Allow, document.Evaluate(new AccessRequest(Alice, "kms:Encrypt", Key, "AIDAORIGINALALICE0001"), bindings));
        Assert.Equal(ImplicitDeny, document.Evaluate(new AccessRequest(Alice, "kms:Encrypt", Key, "AIDARECREATEDALICE002"), bindings));
        Assert.Equal(ImplicitDeny, document.Evaluate(new AccessRequest(Alice, "kms:Encrypt", Key, "AIDAORIGINALALICE0001"), new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:*"}]}""")]
    public void StatementWithoutActionOrResource_AcceptedWithoutEffect(string json)
    {
        var document = PolicyDocument.Parse(json);
        Assert.Equal(ImplicitDeny, document.Evaluate(new AccessRequest(Alice, "kms:Encrypt", Key, IdOf(Alice)), new Dictionary<string, string>()));
    }

    private static string IdOf(string arn) => "AIDA" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(arn)))[..17];

    [Fact]
    public void Table_HasAtLeastSixtyCases() => Assert.True(Cases.Count >= 60, $"{Cases.Count} cases");

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"Version":"2012-10-17"}""")]
    [InlineData("""{"Statement":[]}""")]
    [InlineData("""{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Permit","Principal":"*","Action":"kms:*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"kms:*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"kms:*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContext:dept":"hr"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:KeySpec":"RSA_2048"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/99"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"Bool":{"kms:MultiRegion":"yes"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"alice","Action":"kms:*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"AWS":"alice"},"Action":"kms:*","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringSortOf":{"kms:KeySpec":"x"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"NumericEquals":{"kms:RotationPeriodInDays":"many"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"Null":{"kms:KeySpec":"maybe"}}}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Surprise":1}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","NotAction":"kms:Sign","Resource":"*"}]}""")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:KeySpec":{"nested":1}}}}]}""")]
    public void Parse_MalformedDocument_Refused(string json)
    {
        var error = Assert.Throws<KmsException>(() => PolicyDocument.Parse(json));
        Assert.Equal(KmsErrorCodes.MalformedPolicyDocument, error.ErrorCode);
    }

    [Theory]
    [InlineData("kms:*", "kms:Encrypt", true)]
    [InlineData("kms:Re*", "kms:ReEncryptFrom", true)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("*", "", true)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("**a", "xxa", true)]
    public void Wildcard_Matches(string pattern, string value, bool expected) => Assert.Equal(expected, Wildcard.Matches(pattern, value, ignoreCase: false));
}
