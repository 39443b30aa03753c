using Grpc.Mrk.V1;
using static Grpc.Mrk.Cluster.Tests.Policies.P;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyCase;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyRegion;

namespace Grpc.Mrk.Cluster.Tests.Policies;

/// <summary>Grants, their constraints and tokens, who may retire them, and the lockout safety check.</summary>
public static partial class PolicyTable
{
    private const string InvalidGrantToken = "InvalidGrantTokenException";
    private const string Validation = "ValidationException";

    /// <summary>A policy that gives bob nothing: grants alone decide bob's calls.</summary>
    private static string AdminOnly => Doc(Allow(Aws(AdminUser), "\"kms:*\""));

    private static IEnumerable<PolicyCase> GrantCases() =>
    [
        new("grant allows its operation", P.GrantsDoc, AdminOnly, r => r.Encrypt("bob"), Allowed) { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt]) },
        new("grant allows only its operations", P.GrantsDoc, AdminOnly, r => r.Decrypt("bob"), Denied) { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt]) },
        new("grant to another principal", P.GrantsDoc, AdminOnly, r => r.Encrypt("alice"), Denied) { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt]) },
        new("explicit Deny in the policy beats a grant", Evaluation, Doc(Allow(Aws(AdminUser), "\"kms:*\""), Deny(Aws(Bob), "\"kms:Encrypt\"")), r => r.Encrypt("bob"), Denied)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt]) },
        new("EncryptionContextSubset: context with more pairs", GrantConstraintsDoc, AdminOnly, r => r.Encrypt("bob", "dept=hr", "project=x"), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], subset: ["dept=hr"]) },
        new("EncryptionContextSubset: other value", GrantConstraintsDoc, AdminOnly, r => r.Encrypt("bob", "dept=it"), Denied)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], subset: ["dept=hr"]) },
        new("EncryptionContextSubset: no context", GrantConstraintsDoc, AdminOnly, r => r.Encrypt("bob"), Denied)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], subset: ["dept=hr"]) },
        new("constraint keys compared without case", GrantConstraintsDoc, AdminOnly, r => r.Encrypt("bob", "DEPT=hr"), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], subset: ["dept=hr"]) },
        new("constraint values compared with case", GrantConstraintsDoc, AdminOnly, r => r.Encrypt("bob", "dept=HR"), Denied)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], subset: ["dept=hr"]) },
        new("EncryptionContextEquals: exact", GrantConstraintsDoc, AdminOnly, r => r.Encrypt("bob", "dept=hr"), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], equals: ["dept=hr"]) },
        new("EncryptionContextEquals: an extra pair", GrantConstraintsDoc, AdminOnly, r => r.Encrypt("bob", "dept=hr", "project=x"), Denied)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], equals: ["dept=hr"]) },
        new("constraint applies to Decrypt", GrantConstraintsDoc, AdminOnly, r => r.Decrypt("bob"), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Decrypt], equals: ["dept=hr"]) },
        new("constraint does not apply to DescribeKey", GrantConstraintsDoc, AdminOnly, r => r.Describe("bob"), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.DescribeKey, GrantOperation.Decrypt], subset: ["dept=hr"]) },
        new("constraint on an operation without encryption context refused", GrantConstraintsDoc, null,
            r => r.Grant("admin", Bob, [GrantOperation.Sign], subset: ["dept=hr"]), Validation) { Shape = KeyShape.EccSign },
        new("grantee \"*\" refused", P.CreateGrantDoc, null, r => r.Grant("admin", "*", [GrantOperation.Encrypt]), Validation),
        new("grantee that does not exist refused", P.CreateGrantDoc, null, r => r.Grant("admin", "arn:aws:iam::111122223333:user/nobody", [GrantOperation.Encrypt]),
            "InvalidArnException"),
        new("retiring principal that does not exist refused", P.CreateGrantDoc, null,
            r => r.Grant("admin", Bob, [GrantOperation.Encrypt], retiring: "arn:aws:iam::111122223333:role/nobody"), "InvalidArnException"),
        new("grantee with a wildcard refused", P.CreateGrantDoc, null, r => r.Grant("admin", "arn:aws:iam::111122223333:user/*", [GrantOperation.Encrypt]), Validation),
        new("grantee may pass on the same constraint", P.GrantsDoc, AdminOnly,
            r => r.Grant("bob", Alice, [GrantOperation.Encrypt], subset: ["dept=hr"]), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt, GrantOperation.CreateGrant], subset: ["dept=hr"]) },
        new("grantee may pass on a stricter constraint", P.GrantsDoc, AdminOnly,
            r => r.Grant("bob", Alice, [GrantOperation.Encrypt], equals: ["dept=hr", "project=x"]), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt, GrantOperation.CreateGrant], subset: ["dept=hr"]) },
        new("grantee may not drop the constraint", P.GrantsDoc, AdminOnly, r => r.Grant("bob", Alice, [GrantOperation.Encrypt]), Denied)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt, GrantOperation.CreateGrant], subset: ["dept=hr"]) },
        new("grantee may not add operations", P.GrantsDoc, AdminOnly, r => r.Grant("bob", Alice, [GrantOperation.Encrypt, GrantOperation.Decrypt]), Denied)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt, GrantOperation.CreateGrant]) },
        new("kms:GrantOperations within", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", """{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","Decrypt"]}}"""),
            r => r.Grant("alice", Bob, [GrantOperation.Decrypt]), Allowed),
        new("kms:GrantOperations beyond", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", """{"ForAllValues:StringEquals":{"kms:GrantOperations":["Encrypt","Decrypt"]}}"""),
            r => r.Grant("alice", Bob, [GrantOperation.Decrypt, GrantOperation.ReEncryptFrom]), Denied),
        new("kms:GranteePrincipal", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Is("kms:GranteePrincipal", Bob)), r => r.Grant("alice", Bob, [GrantOperation.Encrypt]), Allowed),
        new("kms:GranteePrincipal differs", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Is("kms:GranteePrincipal", Bob)), r => r.Grant("alice", Ops, [GrantOperation.Encrypt]), Denied),
        new("kms:RetiringPrincipal", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Is("kms:RetiringPrincipal", Ops)),
            r => r.Grant("alice", Bob, [GrantOperation.Encrypt], retiring: Ops), Allowed),
        new("kms:RetiringPrincipal absent", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Is("kms:RetiringPrincipal", Ops)), r => r.Grant("alice", Bob, [GrantOperation.Encrypt]), Denied),
        new("kms:GrantConstraintType", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Is("kms:GrantConstraintType", "EncryptionContextSubset")),
            r => r.Grant("alice", Bob, [GrantOperation.Encrypt], subset: ["dept=hr"]), Allowed),
        new("kms:GrantConstraintType: no constraint", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Is("kms:GrantConstraintType", "EncryptionContextSubset")),
            r => r.Grant("alice", Bob, [GrantOperation.Encrypt]), Denied),
        new("kms:EncryptionContext on CreateGrant reads the constraint", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Dept("StringEquals", "hr")),
            r => r.Grant("alice", Bob, [GrantOperation.Encrypt], subset: ["dept=hr"]), Allowed),
        new("kms:EncryptionContext on CreateGrant: other constraint", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Dept("StringEquals", "hr")),
            r => r.Grant("alice", Bob, [GrantOperation.Encrypt], equals: ["dept=it"]), Denied),
        new("kms:RetireGrant in a key policy is not effective", P.RetireGrantDoc, Doc(Allow(Aws(AdminUser), "\"kms:*\""), Allow(Aws(Alice), "\"kms:RetireGrant\"")),
            r => r.Retire("alice"), Denied) { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt]) },
        new("the retiring principal retires", P.RetireGrantDoc, AdminOnly, r => r.Retire("ops"), Allowed) { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt], retiring: Ops) },
        new("the grantee retires with RetireGrant in the grant", P.RetireGrantDoc, AdminOnly, r => r.Retire("bob"), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt, GrantOperation.RetireGrant]) },
        new("the grantee without RetireGrant in the grant", P.RetireGrantDoc, AdminOnly, r => r.Retire("bob"), Denied) { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt]) },
        new("a grant token that is not one is refused", P.GrantTokensDoc, null, r => r.EncryptVia("alice", r.Key.KeyId, "not-a-grant-token"), InvalidGrantToken),
        new("a grant token is accepted with the call", P.GrantTokensDoc, AdminOnly, r => r.EncryptVia("bob", r.Key.KeyId, r.Saved["token"]), Allowed)
            { Setup = r => r.SavedGrant(Bob, [GrantOperation.Encrypt]) },

        // The lockout safety check and kms:BypassPolicyLockoutSafetyCheck.
        new("a policy that locks its setter out is refused", Lockout, Doc(Allow(Aws(Alice), "\"kms:*\"")), r => r.PutPolicy("alice", Doc(Allow(Aws(Bob), "\"kms:*\""))), Malformed),
        new("a policy that keeps its setter in is accepted", Lockout, Doc(Allow(Aws(Alice), "\"kms:*\"")),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:PutKeyPolicy\""))), Allowed),
        new("bypassing the check accepts a lockout", Lockout, Doc(Allow(Aws(Alice), "\"kms:*\"")),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Bob), "\"kms:*\"")), bypass: true), Allowed),
        new("lockout check sees the key's spec: Deny on it locks out", Lockout, Doc(Allow(Aws(Alice), "\"kms:*\"")),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:*\""), Deny(Aws(Alice), "\"kms:PutKeyPolicy\"", Is("kms:KeySpec", "SYMMETRIC_DEFAULT")))), Malformed),
        new("lockout check sees the key's spec: Allow on it keeps in", Lockout, Doc(Allow(Aws(Alice), "\"kms:*\"")),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:PutKeyPolicy\"", Is("kms:KeySpec", "SYMMETRIC_DEFAULT")))), Allowed),
        new("lockout check sees the key's tags", Lockout, Doc(Allow(Aws(Alice), "\"kms:*\"")),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:PutKeyPolicy\"", Is("aws:ResourceTag/team", "payments")))), Allowed),
        new("kms:BypassPolicyLockoutSafetyCheck: Deny on Bool true stops a bypass", KmsKeys,
            Doc(Allow(Aws(Alice), "\"kms:*\""), Deny("\"*\"", "\"kms:PutKeyPolicy\"", Is("kms:BypassPolicyLockoutSafetyCheck", "true", "Bool"))),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:*\"")), bypass: true), Denied),
        new("kms:BypassPolicyLockoutSafetyCheck: Deny on Bool true spares the others", KmsKeys,
            Doc(Allow(Aws(Alice), "\"kms:*\""), Deny("\"*\"", "\"kms:PutKeyPolicy\"", Is("kms:BypassPolicyLockoutSafetyCheck", "true", "Bool"))),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:*\""))), Allowed),
        new("kms:BypassPolicyLockoutSafetyCheck: Allow on Null true refuses a bypass", KmsKeys,
            Doc(Allow(Aws(Alice), "\"kms:Describe*\""), Allow(Aws(Alice), "\"kms:PutKeyPolicy\"", """{"Null":{"kms:BypassPolicyLockoutSafetyCheck":"true"}}""")),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:*\"")), bypass: true), Denied),
        new("kms:BypassPolicyLockoutSafetyCheck: Allow on Null true admits the others", KmsKeys,
            Doc(Allow(Aws(Alice), "\"kms:Describe*\""), Allow(Aws(Alice), "\"kms:PutKeyPolicy\"", """{"Null":{"kms:BypassPolicyLockoutSafetyCheck":"true"}}""")),
            r => r.PutPolicy("alice", Doc(Allow(Aws(Alice), "\"kms:*\""))), Allowed),
    ];

    /// <summary>Every case, by name (names are unique).</summary>
    public static IReadOnlyDictionary<string, PolicyCase> All { get; } =
        ElementCases().Concat(OperatorCases()).Concat(KeyCases()).Concat(GrantCases()).ToDictionary(c => c.Name, StringComparer.Ordinal);
}
