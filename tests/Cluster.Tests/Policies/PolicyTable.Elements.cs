using static Grpc.Mrk.Cluster.Tests.Policies.P;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyCase;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyRegion;

namespace Grpc.Mrk.Cluster.Tests.Policies;

/// <summary>The policy grammar: principals, actions, resources, effects and documents AWS refuses.</summary>
public static partial class PolicyTable
{
    private static IEnumerable<PolicyCase> ElementCases() =>
    [
        // Principals.
        new("root statement: a user of the account", KeyPolicies, Doc(RootAll), r => r.Encrypt("alice"), Allowed),
        new("root statement: a role of the account", KeyPolicies, Doc(RootAll), r => r.Encrypt("ops"), Allowed),
        new("account ID as principal", Principals, Doc(Allow(Aws(Account), "\"kms:Encrypt\"")), r => r.Encrypt("bob"), Allowed),
        new("named user allowed", Principals, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"")), r => r.Encrypt("alice"), Allowed),
        new("named user: another user denied", Principals, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"")), r => r.Encrypt("bob"), Denied),
        new("named role allowed", Principals, Doc(Allow(Aws(Ops), "\"kms:Encrypt\"")), r => r.Encrypt("ops"), Allowed),
        new("named role: a user denied", Principals, Doc(Allow(Aws(Ops), "\"kms:Encrypt\"")), r => r.Encrypt("alice"), Denied),
        new("principal list", Principals, Doc(Allow(Aws(Alice, Bob), "\"kms:Encrypt\"")), r => r.Encrypt("bob"), Allowed),
        new("Principal \"*\"", Principals, Doc(Allow("\"*\"", "\"kms:Encrypt\"")), r => r.Encrypt("bob"), Allowed),
        new("Principal AWS \"*\"", Principals, Doc(Allow(Aws("*"), "\"kms:Encrypt\"")), r => r.Encrypt("bob"), Allowed),
        new("service principal matches no caller", Principals, Doc(Allow("{\"Service\":\"logs.amazonaws.com\"}", "\"kms:*\"")), r => r.Encrypt("alice"), Denied),
        new("another account's root matches no caller here", Principals, Doc(Allow(Aws("arn:aws:iam::444455556666:root"), "\"kms:*\"")),
            r => r.Encrypt("alice"), Denied),
        new("NotPrincipal Deny hits the others", Principals, Doc(RootAll, """{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}"""),
            r => r.Encrypt("bob"), Denied),
        new("NotPrincipal Deny spares the named", Principals, Doc(RootAll, """{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}"""),
            r => r.Encrypt("alice"), Allowed),
        new("partial wildcard principal refused", Principals, Doc(Allow(Aws("arn:aws:iam::111122223333:user/*"), "\"kms:*\"")), r => r.Encrypt("alice"), Malformed),
        new("wildcard account refused", Principals, Doc(Allow(Aws("arn:aws:iam::*:root"), "\"kms:*\"")), r => r.Encrypt("alice"), Malformed),
        new("principal that does not exist refused", Principals, Doc(RootAll, Allow(Aws("arn:aws:iam::111122223333:user/nobody"), "\"kms:*\"")),
            r => r.Encrypt("alice"), Malformed),
        new("bare name as principal refused", Principals, Doc(Allow(Aws("alice"), "\"kms:*\"")), r => r.Encrypt("alice"), Malformed),
        new("Principal string other than \"*\" refused", Principals, Doc(Allow("\"alice\"", "\"kms:*\"")), r => r.Encrypt("alice"), Malformed),
        new("unknown principal type refused", Principals, Doc(Allow("{\"Robot\":\"r2\"}", "\"kms:*\"")), r => r.Encrypt("alice"), Malformed),

        // Actions.
        new("kms:* allows any operation", Actions, Doc(Allow(Aws(Alice), "\"kms:*\"")), r => r.Decrypt("alice"), Allowed),
        new("named action", Actions, Doc(Allow(Aws(Alice), "\"kms:Decrypt\"")), r => r.Decrypt("alice"), Allowed),
        new("another action denied", Actions, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"")), r => r.Decrypt("alice"), Denied),
        new("action prefix wildcard", Actions, Doc(Allow(Aws(Alice), "\"kms:Generate*\"")), r => r.GenerateDataKey("alice"), Allowed),
        new("action prefix wildcard: other action", Actions, Doc(Allow(Aws(Alice), "\"kms:Generate*\"")), r => r.Encrypt("alice"), Denied),
        new("action single-character wildcard", Actions, Doc(Allow(Aws(Alice), "\"kms:?ncrypt\"")), r => r.Encrypt("alice"), Allowed),
        new("action names compared without case", Actions, Doc(Allow(Aws(Alice), "\"KMS:encrypt\"")), r => r.Encrypt("alice"), Allowed),
        new("action \"*\"", Actions, Doc(Allow(Aws(Alice), "\"*\"")), r => r.Describe("alice"), Allowed),
        new("action list", Actions, Doc(Allow(Aws(Alice), "[\"kms:Encrypt\",\"kms:Decrypt\"]")), r => r.Decrypt("alice"), Allowed),
        new("NotAction allows the rest", NotActions, Doc("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"NotAction":"kms:Decrypt","Resource":"*"}"""),
            r => r.Encrypt("alice"), Allowed),
        new("NotAction excludes what it names", NotActions, Doc("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"NotAction":"kms:Decrypt","Resource":"*"}"""),
            r => r.Decrypt("alice"), Denied),
        new("statement without Action has no effect", Actions, Doc("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Resource":"*"}"""),
            r => r.Encrypt("alice"), Denied),
        new("action of another service refused", Actions, Doc(Allow(Aws(Alice), "\"s3:GetObject\"")), r => r.Encrypt("alice"), Malformed),
        new("Action and NotAction together refused", Actions, Doc("""{"Effect":"Allow","Principal":"*","Action":"kms:*","NotAction":"kms:Sign","Resource":"*"}"""),
            r => r.Encrypt("alice"), Malformed),
        new("empty action list refused", Actions, Doc(Allow(Aws(Alice), "[]")), r => r.Encrypt("alice"), Malformed),

        // Resources.
        new("Resource \"*\" is this key", Resources, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"")), r => r.Encrypt("alice"), Allowed),
        new("Resource is this key's ARN", Resources, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"", resource: "\"{key}\"")), r => r.Encrypt("alice"), Allowed),
        new("Resource is another key's ARN", Resources,
            Doc(Allow(Aws(Alice), "\"kms:Encrypt\"", resource: "\"arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000\"")),
            r => r.Encrypt("alice"), Denied),
        new("Resource ARN wildcard", Resources, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"", resource: "\"arn:aws:kms:us-east-1:111122223333:key/*\"")),
            r => r.Encrypt("alice"), Allowed),
        new("Resource of another Region", Resources, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"", resource: "\"arn:aws:kms:eu-west-1:111122223333:key/*\"")),
            r => r.Encrypt("alice"), Denied),
        new("NotResource of another key", Resources, Doc("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","NotResource":"arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"}"""),
            r => r.Encrypt("alice"), Allowed),
        new("NotResource of this key", Resources, Doc("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","NotResource":"{key}"}"""),
            r => r.Encrypt("alice"), Denied),
        new("statement without Resource has no effect", Resources, Doc("""{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt"}"""),
            r => r.Encrypt("alice"), Denied),
        new("Deny without Resource denies nothing", Resources, Doc(RootAll, """{"Effect":"Deny","Principal":"*","Action":"kms:Encrypt"}"""),
            r => r.Encrypt("alice"), Allowed),

        // Effects and documents.
        new("explicit Deny wins over Allow", Evaluation, Doc(RootAll, Deny(Aws(Bob), "\"kms:Decrypt\"")), r => r.Decrypt("bob"), Denied),
        new("Deny of another action", Evaluation, Doc(RootAll, Deny(Aws(Bob), "\"kms:Decrypt\"")), r => r.Encrypt("bob"), Allowed),
        new("Deny of another principal", Evaluation, Doc(RootAll, Deny(Aws(Bob), "\"kms:Decrypt\"")), r => r.Decrypt("alice"), Allowed),
        new("Deny to everyone", Evaluation, Doc(RootAll, Deny("\"*\"", "\"kms:Decrypt\"")), r => r.Decrypt("alice"), Denied),
        new("DryRun by an allowed caller", P.DryRun, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"")), r => r.EncryptDryRun("alice"), "DryRunOperationException"),
        new("DryRun by a denied caller", P.DryRun, Doc(Allow(Aws(Alice), "\"kms:Encrypt\"")), r => r.EncryptDryRun("bob"), Denied),
        new("nothing allows: implicit deny", Evaluation, Doc(Allow(Aws(Bob), "\"kms:Encrypt\"")), r => r.Describe("alice"), Denied),
        new("statements add up", Evaluation, Doc(Allow(Aws(Alice), "\"kms:Encrypt\""), Allow(Aws(Alice), "\"kms:Decrypt\"")), r => r.Decrypt("alice"), Allowed),
        new("single statement as an object", KeyPolicies,
            """{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}}""",
            r => r.Encrypt("alice"), Allowed),
        new("Effect other than Allow or Deny refused", KeyPolicies, Doc("""{"Effect":"Permit","Principal":"*","Action":"kms:*","Resource":"*"}"""), r => r.Encrypt("alice"), Malformed),
        new("unknown statement field refused", KeyPolicies, Doc("""{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Surprise":1}"""), r => r.Encrypt("alice"), Malformed),
        new("unknown Version refused", KeyPolicies, """{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}""",
            r => r.Encrypt("alice"), Malformed),
        new("text that is not JSON refused", KeyPolicies, "{not json", r => r.Encrypt("alice"), Malformed),
        new("statement without Principal refused", KeyPolicies, Doc("""{"Effect":"Allow","Action":"kms:*","Resource":"*"}"""), r => r.Encrypt("alice"), Malformed),
    ];
}
