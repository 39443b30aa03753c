using Grpc.Mrk.V1;
using static Grpc.Mrk.Cluster.Tests.Policies.P;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyCase;
using static Grpc.Mrk.Cluster.Tests.Policies.PolicyRegion;

namespace Grpc.Mrk.Cluster.Tests.Policies;

/// <summary>Every KMS and global condition key the service sets, each both ways, and the keys it never sets.</summary>
public static partial class PolicyTable
{
    private static string Is(string key, string value, string op = "StringEquals") => $$$"""{"{{{op}}}":{"{{{key}}}":"{{{value}}}"}}""";

    private static IEnumerable<PolicyCase> KeyCases() =>
    [
        // Keys of the key itself.
        new("kms:KeySpec matches", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:KeySpec", "SYMMETRIC_DEFAULT")), r => r.Encrypt("alice"), Allowed),
        new("kms:KeySpec differs", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:KeySpec", "RSA_2048")), r => r.Encrypt("alice"), Denied),
        new("kms:CustomerMasterKeySpec (its older name) matches", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:CustomerMasterKeySpec", "SYMMETRIC_DEFAULT")), r => r.Encrypt("alice"), Allowed),
        new("kms:KeyUsage matches", KmsKeys, Only(Alice, "\"kms:Sign\"", Is("kms:KeyUsage", "SIGN_VERIFY")), r => r.Sign("alice", SigningAlgorithmSpec.EcdsaSha256), Allowed)
            { Shape = KeyShape.EccSign },
        new("kms:KeyUsage differs", KmsKeys, Only(Alice, "\"kms:*\"", Is("kms:KeyUsage", "SIGN_VERIFY")), r => r.Encrypt("alice"), Denied),
        new("kms:CustomerMasterKeyUsage differs", KmsKeys, Only(Alice, "\"kms:*\"", Is("kms:CustomerMasterKeyUsage", "SIGN_VERIFY")), r => r.Encrypt("alice"), Denied),
        new("kms:KeyOrigin matches", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:KeyOrigin", "AWS_KMS")), r => r.Encrypt("alice"), Allowed),
        new("kms:KeyOrigin differs", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:KeyOrigin", "EXTERNAL")), r => r.Encrypt("alice"), Denied),
        new("kms:MultiRegion true on a multi-Region key", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:MultiRegion", "true", "Bool")), r => r.Encrypt("alice"), Allowed)
            { Shape = KeyShape.MultiRegion },
        new("kms:MultiRegionKeyType PRIMARY on a primary", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:MultiRegionKeyType", "PRIMARY")), r => r.Encrypt("alice"), Allowed)
            { Shape = KeyShape.MultiRegion },
        new("kms:MultiRegionKeyType REPLICA on a primary", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:MultiRegionKeyType", "REPLICA")), r => r.Encrypt("alice"), Denied)
            { Shape = KeyShape.MultiRegion },
        new("kms:MultiRegionKeyType absent on a single-Region key", KmsKeys, Only(Alice, "\"kms:Encrypt\"", """{"Null":{"kms:MultiRegionKeyType":"true"}}"""), r => r.Encrypt("alice"), Allowed),
        new("aws:ResourceTag matches the key's tag", Abac, Only(Alice, "\"kms:Encrypt\"", Is("aws:ResourceTag/team", "payments")), r => r.Encrypt("alice"), Allowed),
        new("aws:ResourceTag differs", Abac, Only(Alice, "\"kms:Encrypt\"", Is("aws:ResourceTag/team", "search")), r => r.Encrypt("alice"), Denied),
        new("kms:ResourceAliases: the key's alias", KmsKeys, Only(Alice, "\"kms:Encrypt\"", """{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/finance-*"}}"""),
            r => r.Encrypt("alice"), Allowed) { Setup = r => r.Alias("admin", r.AliasName("finance")) },
        new("kms:ResourceAliases: no such alias", KmsKeys, Only(Alice, "\"kms:Encrypt\"", """{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/finance-*"}}"""),
            r => r.Encrypt("alice"), Denied) { Setup = r => r.Alias("admin", r.AliasName("other")) },
        new("kms:RequestAlias: called through the alias", KmsKeys, Only(Alice, "\"kms:Encrypt\"", """{"StringLike":{"kms:RequestAlias":"alias/app-*"}}"""),
            r => r.EncryptVia("alice", r.AliasName("app")), Allowed) { Setup = r => r.Alias("admin", r.AliasName("app")) },
        new("kms:RequestAlias: called by key ID", KmsKeys, Only(Alice, "\"kms:Encrypt\"", """{"StringLike":{"kms:RequestAlias":"alias/app-*"}}"""),
            r => r.Encrypt("alice"), Denied) { Setup = r => r.Alias("admin", r.AliasName("app")) },

        // Keys of the request.
        new("kms:EncryptionContextKeys", KmsKeys, Only(Alice, "\"kms:Encrypt\"", """{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"dept"}}"""), r => r.Encrypt("alice", "dept=hr"), Allowed),
        new("kms:EncryptionContext on Decrypt", KmsKeys, Only(Alice, "\"kms:Decrypt\"", Dept("StringEquals", "hr")), r => r.Decrypt("alice"), Allowed),
        new("kms:EncryptionContext on Decrypt, other value", KmsKeys, Only(Alice, "\"kms:Decrypt\"", Dept("StringEquals", "it")), r => r.Decrypt("alice"), Denied),
        new("kms:EncryptionAlgorithm", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")), r => r.Encrypt("alice"), Allowed),
        new("kms:EncryptionAlgorithm differs", KmsKeys, Only(Alice, "\"kms:Decrypt\"", Is("kms:EncryptionAlgorithm", "RSAES_OAEP_SHA_256")), r => r.Decrypt("alice"), Denied),
        new("kms:SigningAlgorithm", KmsKeys, Only(Alice, "\"kms:Sign\"", Is("kms:SigningAlgorithm", "ECDSA_SHA_256")), r => r.Sign("alice", SigningAlgorithmSpec.EcdsaSha256), Allowed)
            { Shape = KeyShape.EccSign },
        new("kms:SigningAlgorithm differs", KmsKeys, Only(Alice, "\"kms:Sign\"", Is("kms:SigningAlgorithm", "ECDSA_SHA_384")), r => r.Sign("alice", SigningAlgorithmSpec.EcdsaSha256), Denied)
            { Shape = KeyShape.EccSign },
        new("kms:MessageType RAW", KmsKeys, Only(Alice, "\"kms:Sign\"", Is("kms:MessageType", "RAW")), r => r.Sign("alice", SigningAlgorithmSpec.EcdsaSha256), Allowed)
            { Shape = KeyShape.EccSign },
        new("kms:MessageType: DIGEST refused by a RAW-only policy", KmsKeys, Only(Alice, "\"kms:Sign\"", Is("kms:MessageType", "RAW")),
            r => r.Sign("alice", SigningAlgorithmSpec.EcdsaSha256, MessageType.Digest), Denied) { Shape = KeyShape.EccSign },
        new("kms:MacAlgorithm", KmsKeys, Only(Alice, "\"kms:GenerateMac\"", Is("kms:MacAlgorithm", "HMAC_SHA_256")), r => r.Mac("alice"), Allowed) { Shape = KeyShape.Hmac },
        new("kms:MacAlgorithm differs", KmsKeys, Only(Alice, "\"kms:GenerateMac\"", Is("kms:MacAlgorithm", "HMAC_SHA_512")), r => r.Mac("alice"), Denied) { Shape = KeyShape.Hmac },
        new("kms:DataKeyPairSpec", KmsKeys, Only(Alice, "\"kms:GenerateDataKeyPair*\"", Is("kms:DataKeyPairSpec", "ECC_NIST_P256")),
            r => r.DataKeyPair("alice", DataKeyPairSpec.EccNistP256), Allowed),
        new("kms:DataKeyPairSpec differs", KmsKeys, Only(Alice, "\"kms:GenerateDataKeyPair*\"", Is("kms:DataKeyPairSpec", "ECC_NIST_P256")),
            r => r.DataKeyPair("alice", DataKeyPairSpec.Rsa2048), Denied),
        new("kms:RotationPeriodInDays", KmsKeys, Only(Alice, "\"kms:EnableKeyRotation\"", Is("kms:RotationPeriodInDays", "90", "NumericGreaterThanEquals")), r => r.Rotate("alice", 365), Allowed),
        new("kms:ScheduleKeyDeletionPendingWindowInDays", KmsKeys, Only(Alice, "\"kms:ScheduleKeyDeletion\"", Is("kms:ScheduleKeyDeletionPendingWindowInDays", "30", "NumericEquals")),
            r => r.ScheduleDeletion("alice", 7), Denied),
        new("kms:ReEncryptOnSameKey: Deny re-encrypting to the same key", KmsKeys,
            Doc(RootAll, Deny("\"*\"", "\"kms:ReEncrypt*\"", Is("kms:ReEncryptOnSameKey", "true", "Bool"))), r => r.ReEncrypt("alice", toSameKey: true), Denied),
        new("kms:ReEncryptOnSameKey: another key is not the same", KmsKeys,
            Doc(RootAll, Deny("\"*\"", "\"kms:ReEncrypt*\"", Is("kms:ReEncryptOnSameKey", "true", "Bool"))), r => r.ReEncrypt("alice", toSameKey: false), Allowed),
        new("kms:ReEncryptOnSameKey true allows the same key", KmsKeys, Only(Alice, "\"kms:ReEncrypt*\"", Is("kms:ReEncryptOnSameKey", "true", "Bool")),
            r => r.ReEncrypt("alice", toSameKey: true), Allowed),
        new("kms:ViaService is never set here", KmsKeys, Only(Alice, "\"kms:Encrypt\"", Is("kms:ViaService", "ec2.us-east-1.amazonaws.com")), r => r.Encrypt("alice"), Denied),
        new("kms:GrantIsForAWSResource is never set here", KmsKeys, Only(Alice, "\"kms:CreateGrant\"", Is("kms:GrantIsForAWSResource", "true", "Bool")),
            r => r.Grant("alice", Bob, [GrantOperation.Encrypt]), Denied),
        new("kms:CallerAccount", KmsKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("kms:CallerAccount", Account))), r => r.Encrypt("bob"), Allowed),
        new("kms:CallerAccount of another account", KmsKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("kms:CallerAccount", "444455556666"))), r => r.Encrypt("bob"), Denied),

        // Global keys.
        new("aws:PrincipalArn", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:PrincipalArn", Bob, "ArnEquals"))), r => r.Encrypt("bob"), Allowed),
        new("aws:PrincipalAccount", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:PrincipalAccount", Account))), r => r.Encrypt("bob"), Allowed),
        new("aws:PrincipalAccount of another account", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:PrincipalAccount", "444455556666"))), r => r.Encrypt("bob"), Denied),
        new("aws:username", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:username", "alice"))), r => r.Encrypt("alice"), Allowed),
        new("aws:username of another user", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:username", "alice"))), r => r.Encrypt("bob"), Denied),
        new("aws:username is not set for roles", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", """{"Null":{"aws:username":"true"}}""")), r => r.Encrypt("ops"), Allowed),
        new("aws:userid of a user", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:userid", "AIDA*", "StringLike"))), r => r.Encrypt("alice"), Allowed),
        new("aws:userid of a role", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:userid", "AIDA*", "StringLike"))), r => r.Encrypt("ops"), Denied),
        new("aws:PrincipalType User", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:PrincipalType", "User"))), r => r.Encrypt("alice"), Allowed),
        new("aws:PrincipalType of a role", GlobalKeys, Doc(Allow("\"*\"", "\"kms:Encrypt\"", Is("aws:PrincipalType", "User"))), r => r.Encrypt("ops"), Denied),
        new("aws:RequestedRegion", GlobalKeys, Only(Alice, "\"kms:Encrypt\"", Is("aws:RequestedRegion", "us-east-1")), r => r.Encrypt("alice"), Allowed),
        new("aws:RequestedRegion another Region", GlobalKeys, Only(Alice, "\"kms:Encrypt\"", Is("aws:RequestedRegion", "eu-west-1")), r => r.Encrypt("alice"), Denied),
        new("aws:SecureTransport over TLS", GlobalKeys, Only(Alice, "\"kms:Encrypt\"", Is("aws:SecureTransport", "true", "Bool")), r => r.Encrypt("alice"), Allowed),
        new("aws:SecureTransport Deny false spares TLS", GlobalKeys, Doc(RootAll, Deny("\"*\"", "\"kms:*\"", Is("aws:SecureTransport", "false", "Bool"))), r => r.Encrypt("alice"), Allowed),
        new("aws:EpochTime", GlobalKeys, Only(Alice, "\"kms:Encrypt\"", Is("aws:EpochTime", "1577836800", "NumericGreaterThan")), r => r.Encrypt("alice"), Allowed),
        new("aws:CurrentTime window closed", GlobalKeys, Only(Alice, "\"kms:Encrypt\"", """{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2021-01-01T00:00:00Z"}}"""),
            r => r.Encrypt("alice"), Denied),
        new("aws:RequestTag on TagResource", Abac, Only(Alice, "\"kms:TagResource\"", Is("aws:RequestTag/team", "payments")), r => r.Tag("alice", "team", "payments"), Allowed),
        new("aws:RequestTag on TagResource, other value", Abac, Only(Alice, "\"kms:TagResource\"", Is("aws:RequestTag/team", "payments")), r => r.Tag("alice", "team", "search"), Denied),
        new("aws:TagKeys on TagResource", Abac, Only(Alice, "\"kms:TagResource\"", """{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}"""), r => r.Tag("alice", "env", "prod"), Allowed),
        new("aws:TagKeys on TagResource, a key outside", Abac, Only(Alice, "\"kms:TagResource\"", """{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}"""), r => r.Tag("alice", "owner", "x"), Denied),
        new("aws:TagKeys on UntagResource", Abac, Only(Alice, "\"kms:UntagResource\"", """{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}"""), r => r.Untag("alice", "team"), Allowed),
        new("aws:TagKeys on UntagResource, another key", Abac, Only(Alice, "\"kms:UntagResource\"", """{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}"""), r => r.Untag("alice", "env"), Denied),
    ];
}
