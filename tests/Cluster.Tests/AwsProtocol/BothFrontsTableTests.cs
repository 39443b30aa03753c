using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.AwsProtocol;

/// <summary>
/// One implementation behind both fronts: every request of the table, valid or not, for every operation, goes once
/// through gRPC and once through AWS's JSON protocol to the same node, and must have the same outcome, the same
/// exception name and message, and the same audit record apart from the protocol it came by.
/// </summary>
public sealed partial class BothFrontsTableTests(ITestOutputHelper output) : IDisposable
{
    private const string Root = "arn:aws:iam::111122223333:root";
    private const string RootPolicy = """{"Version":"2012-10-17","Statement":[{"Sid":"root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}""";
    private const string LockoutPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}""";
    private static readonly string TooLong = Convert.ToBase64String(new byte[4097]);

    private readonly TempDirectory _directory = new();

    /// <summary>(operation, request in AWS's JSON form). Placeholders: {sym} {rsa} {sign} {hmac} {ecdh} {ext} {disabled} {mrk} {ct} {sig}
    /// {mac} {pub} {missing}; {fresh} is a new symmetric key and {grant} a new grant on {sym}, made for each front's call; {front} is
    /// "grpc" or "json".</summary>
    public static readonly (string Operation, string Request)[] Table =
    [
        ("CreateKey", "{}"),
        ("CreateKey", """{"Description":"table","Tags":[{"TagKey":"team","TagValue":"a"}]}"""),
        ("CreateKey", """{"KeySpec":"RSA_2048"}"""),
        ("CreateKey", """{"KeySpec":"RSA_2048","KeyUsage":"SIGN_VERIFY"}"""),
        ("CreateKey", """{"KeySpec":"HMAC_256","KeyUsage":"ENCRYPT_DECRYPT"}"""),
        ("CreateKey", """{"Policy":"{"}"""),
        ("CreateKey", $$"""{"Policy":{{JsonSerializer.Serialize(LockoutPolicy)}}}"""),
        ("CreateKey", """{"MultiRegion":true,"KeySpec":"ECC_NIST_P384","KeyUsage":"SIGN_VERIFY"}"""),
        ("CreateKey", """{"Origin":"EXTERNAL"}"""),
        ("CreateKey", """{"Origin":"EXTERNAL","KeySpec":"RSA_2048","KeyUsage":"ENCRYPT_DECRYPT"}"""),
        ("CreateKey", """{"Tags":[{"TagKey":"aws:reserved","TagValue":"x"}]}"""),
        ("DescribeKey", """{"KeyId":"{sym}"}"""),
        ("DescribeKey", """{"KeyId":"alias/table"}"""),
        ("DescribeKey", """{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/{sym}"}"""),
        ("DescribeKey", """{"KeyId":"alias/missing"}"""),
        ("DescribeKey", """{"KeyId":"{missing}"}"""),
        ("DescribeKey", """{"KeyId":""}"""),
        ("DescribeKey", "{}"),
        ("DescribeKey", """{"KeyId":"arn:aws:kms:eu-west-1:111122223333:key/{sym}"}"""),
        ("ListKeys", "{}"),
        ("ListKeys", """{"Limit":1}"""),
        ("ListKeys", """{"Limit":0}"""),
        ("ListKeys", """{"Marker":"not-a-marker"}"""),
        ("UpdateKeyDescription", """{"KeyId":"{sym}","Description":"described"}"""),
        ("UpdateKeyDescription", """{"KeyId":"{missing}","Description":"x"}"""),
        ("EnableKey", """{"KeyId":"{sym}"}"""),
        ("EnableKey", """{"KeyId":"{missing}"}"""),
        ("DisableKey", """{"KeyId":"{disabled}"}"""),
        ("DisableKey", """{"KeyId":"{missing}"}"""),
        ("ScheduleKeyDeletion", """{"KeyId":"{fresh}","PendingWindowInDays":7}"""),
        ("ScheduleKeyDeletion", """{"KeyId":"{fresh}","PendingWindowInDays":3}"""),
        ("ScheduleKeyDeletion", """{"KeyId":"{fresh}","PendingWindowInDays":31}"""),
        ("CancelKeyDeletion", """{"KeyId":"{sym}"}"""),
        ("CancelKeyDeletion", """{"KeyId":"{missing}"}"""),
        ("ReplicateKey", """{"KeyId":"{sym}","ReplicaRegion":"eu-west-1"}"""),
        ("ReplicateKey", """{"KeyId":"{mrk}","ReplicaRegion":"us-east-1"}"""),
        ("ReplicateKey", """{"KeyId":"{mrk}","ReplicaRegion":"not a region"}"""),
        ("UpdatePrimaryRegion", """{"KeyId":"{sym}","PrimaryRegion":"eu-west-1"}"""),
        ("UpdatePrimaryRegion", """{"KeyId":"{mrk}","PrimaryRegion":""}"""),
        ("EnableKeyRotation", """{"KeyId":"{sym}"}"""),
        ("EnableKeyRotation", """{"KeyId":"{sym}","RotationPeriodInDays":10}"""),
        ("EnableKeyRotation", """{"KeyId":"{rsa}"}"""),
        ("GetKeyLastUsage", """{"KeyId":"{ext}"}"""),
        ("GetKeyLastUsage", """{"KeyId":"alias/table"}"""),
        ("GetKeyLastUsage", """{"KeyId":"{missing}"}"""),
        ("GetKeyRotationStatus", """{"KeyId":"{sym}"}"""),
        ("GetKeyRotationStatus", """{"KeyId":"{missing}"}"""),
        ("DisableKeyRotation", """{"KeyId":"{hmac}"}"""),
        ("DisableKeyRotation", """{"KeyId":"{mrk}"}"""),
        ("RotateKeyOnDemand", """{"KeyId":"{fresh}"}"""),
        ("RotateKeyOnDemand", """{"KeyId":"{hmac}"}"""),
        ("ListKeyRotations", """{"KeyId":"{sym}"}"""),
        ("ListKeyRotations", """{"KeyId":"{rsa}"}"""),
        ("ListKeyRotations", """{"KeyId":"{sym}","Limit":1001}"""),
        ("GetParametersForImport", """{"KeyId":"{ext}","WrappingAlgorithm":"RSAES_OAEP_SHA_256","WrappingKeySpec":"RSA_2048"}"""),
        ("GetParametersForImport", """{"KeyId":"{sym}","WrappingAlgorithm":"RSAES_OAEP_SHA_256","WrappingKeySpec":"RSA_2048"}"""),
        ("GetParametersForImport", """{"KeyId":"{ext}"}"""),
        ("ImportKeyMaterial", """{"KeyId":"{ext}","ImportToken":"AAAA","EncryptedKeyMaterial":"AAAA","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}"""),
        ("ImportKeyMaterial", """{"KeyId":"{sym}","ImportToken":"AAAA","EncryptedKeyMaterial":"AAAA"}"""),
        ("ImportKeyMaterial", """{"KeyId":"{ext}","ImportToken":"AAAA","EncryptedKeyMaterial":"AAAA","ValidTo":1000}"""),
        ("DeleteImportedKeyMaterial", """{"KeyId":"{sym}"}"""),
        ("DeleteImportedKeyMaterial", """{"KeyId":"{ext}"}"""),
        ("Encrypt", """{"KeyId":"{sym}","Plaintext":"aGVsbG8="}"""),
        ("Encrypt", """{"KeyId":"alias/table","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"}}"""),
        ("Encrypt", """{"KeyId":"{sym}"}"""),
        ("Encrypt", $$"""{"KeyId":"{sym}","Plaintext":"{{TooLong}}"}"""),
        ("Encrypt", """{"KeyId":"{disabled}","Plaintext":"aGVsbG8="}"""),
        ("Encrypt", """{"KeyId":"{sign}","Plaintext":"aGVsbG8="}"""),
        ("Encrypt", """{"KeyId":"{rsa}","Plaintext":"aGVsbG8=","EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}"""),
        ("Encrypt", """{"KeyId":"{rsa}","Plaintext":"aGVsbG8="}"""),
        ("Encrypt", """{"KeyId":"{sym}","Plaintext":"aGVsbG8=","EncryptionAlgorithm":"RSAES_OAEP_SHA_1"}"""),
        ("Encrypt", """{"KeyId":"{sym}","Plaintext":"aGVsbG8=","DryRun":true}"""),
        ("Encrypt", """{"KeyId":"{missing}","Plaintext":"aGVsbG8="}"""),
        ("Encrypt", """{"KeyId":"{sym}","Plaintext":"aGVsbG8=","GrantTokens":["not-a-token"]}"""),
        ("Decrypt", """{"CiphertextBlob":"{ct}","EncryptionContext":{"a":"b"}}"""),
        ("Decrypt", """{"CiphertextBlob":"{ct}"}"""),
        ("Decrypt", """{"CiphertextBlob":"AAAA"}"""),
        ("Decrypt", """{"CiphertextBlob":"{ct}","EncryptionContext":{"a":"b"},"KeyId":"{rsa}"}"""),
        ("Decrypt", "{}"),
        ("Decrypt", """{"CiphertextBlob":"{ct}","EncryptionContext":{"a":"b"},"DryRun":true}"""),
        ("ReEncrypt", """{"CiphertextBlob":"{ct}","SourceEncryptionContext":{"a":"b"},"DestinationKeyId":"{sym}"}"""),
        ("ReEncrypt", """{"CiphertextBlob":"{ct}","SourceEncryptionContext":{"a":"b"},"DestinationKeyId":"{sign}"}"""),
        ("ReEncrypt", """{"CiphertextBlob":"{ct}","SourceEncryptionContext":{"a":"b"}}"""),
        ("ReEncrypt", """{"CiphertextBlob":"{ct}","DestinationKeyId":"{sym}"}"""),
        ("GenerateDataKey", """{"KeyId":"{sym}","KeySpec":"AES_256"}"""),
        ("GenerateDataKey", """{"KeyId":"{sym}","NumberOfBytes":64,"EncryptionContext":{"x":"y"}}"""),
        ("GenerateDataKey", """{"KeyId":"{sym}"}"""),
        ("GenerateDataKey", """{"KeyId":"{sym}","KeySpec":"AES_256","NumberOfBytes":32}"""),
        ("GenerateDataKey", """{"KeyId":"{sym}","NumberOfBytes":2000}"""),
        ("GenerateDataKey", """{"KeyId":"{rsa}","KeySpec":"AES_256"}"""),
        ("GenerateDataKeyWithoutPlaintext", """{"KeyId":"{sym}","KeySpec":"AES_128"}"""),
        ("GenerateDataKeyWithoutPlaintext", """{"KeyId":"{disabled}","KeySpec":"AES_128"}"""),
        ("GenerateDataKeyPair", """{"KeyId":"{sym}","KeyPairSpec":"ECC_NIST_P256"}"""),
        ("GenerateDataKeyPair", """{"KeyId":"{sym}"}"""),
        ("GenerateDataKeyPairWithoutPlaintext", """{"KeyId":"{sym}","KeyPairSpec":"RSA_2048"}"""),
        ("GenerateDataKeyPairWithoutPlaintext", """{"KeyId":"{hmac}","KeyPairSpec":"RSA_2048"}"""),
        ("Sign", """{"KeyId":"{sign}","Message":"bXNn","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("Sign", """{"KeyId":"{sign}","Message":"bXNn","SigningAlgorithm":"RSASSA_PSS_SHA_256"}"""),
        ("Sign", """{"KeyId":"{sym}","Message":"bXNn","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("Sign", """{"KeyId":"{sign}","Message":"bXNn","MessageType":"DIGEST","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("Verify", """{"KeyId":"{sign}","Message":"bXNn","Signature":"{sig}","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("Verify", """{"KeyId":"{sign}","Message":"b3RoZXI=","Signature":"{sig}","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("Verify", """{"KeyId":"{sign}","Message":"bXNn","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("GetPublicKey", """{"KeyId":"{rsa}"}"""),
        ("GetPublicKey", """{"KeyId":"{sym}"}"""),
        ("GenerateMac", """{"KeyId":"{hmac}","Message":"bXNn","MacAlgorithm":"HMAC_SHA_256"}"""),
        ("GenerateMac", """{"KeyId":"{hmac}","Message":"bXNn","MacAlgorithm":"HMAC_SHA_512"}"""),
        ("GenerateMac", """{"KeyId":"{sym}","Message":"bXNn","MacAlgorithm":"HMAC_SHA_256"}"""),
        ("VerifyMac", """{"KeyId":"{hmac}","Message":"bXNn","Mac":"{mac}","MacAlgorithm":"HMAC_SHA_256"}"""),
        ("VerifyMac", """{"KeyId":"{hmac}","Message":"b3RoZXI=","Mac":"{mac}","MacAlgorithm":"HMAC_SHA_256"}"""),
        ("DeriveSharedSecret", """{"KeyId":"{ecdh}","KeyAgreementAlgorithm":"ECDH","PublicKey":"{pub}"}"""),
        ("DeriveSharedSecret", """{"KeyId":"{ecdh}","KeyAgreementAlgorithm":"ECDH","PublicKey":"AAAA"}"""),
        ("DeriveSharedSecret", """{"KeyId":"{sign}","KeyAgreementAlgorithm":"ECDH","PublicKey":"{pub}"}"""),
        ("GenerateRandom", """{"NumberOfBytes":32}"""),
        ("GenerateRandom", """{"NumberOfBytes":0}"""),
        ("GenerateRandom", """{"NumberOfBytes":1025}"""),
        ("GenerateRandom", "{}"),
        ("CreateAlias", """{"AliasName":"alias/new-{front}","TargetKeyId":"{sym}"}"""),
        ("CreateAlias", """{"AliasName":"alias/table","TargetKeyId":"{sym}"}"""),
        ("CreateAlias", """{"AliasName":"alias/aws/reserved","TargetKeyId":"{sym}"}"""),
        ("CreateAlias", """{"AliasName":"no-prefix","TargetKeyId":"{sym}"}"""),
        ("CreateAlias", """{"AliasName":"alias/to-alias-{front}","TargetKeyId":"alias/table"}"""),
        ("UpdateAlias", """{"AliasName":"alias/table","TargetKeyId":"{sym}"}"""),
        ("UpdateAlias", """{"AliasName":"alias/missing","TargetKeyId":"{sym}"}"""),
        ("DeleteAlias", """{"AliasName":"alias/del-{front}"}"""),
        ("DeleteAlias", """{"AliasName":"alias/missing"}"""),
        ("ListAliases", "{}"),
        ("ListAliases", """{"KeyId":"{sym}"}"""),
        ("ListAliases", """{"Limit":0}"""),
        ("TagResource", """{"KeyId":"{sym}","Tags":[{"TagKey":"k","TagValue":"v"}]}"""),
        ("TagResource", """{"KeyId":"{sym}","Tags":[{"TagKey":"aws:k","TagValue":"v"}]}"""),
        ("TagResource", """{"KeyId":"{missing}","Tags":[{"TagKey":"k","TagValue":"v"}]}"""),
        ("UntagResource", """{"KeyId":"{sym}","TagKeys":["k"]}"""),
        ("UntagResource", """{"KeyId":"{missing}","TagKeys":["k"]}"""),
        ("ListResourceTags", """{"KeyId":"{sym}"}"""),
        ("ListResourceTags", """{"KeyId":"alias/table"}"""),
        ("GetKeyPolicy", """{"KeyId":"{sym}"}"""),
        ("GetKeyPolicy", """{"KeyId":"{sym}","PolicyName":"other"}"""),
        ("PutKeyPolicy", """{"KeyId":"{sym}","Policy":"{"}"""),
        ("PutKeyPolicy", $$"""{"KeyId":"{sym}","Policy":{{JsonSerializer.Serialize(RootPolicy)}}}"""),
        ("PutKeyPolicy", $$"""{"KeyId":"{sym}","Policy":{{JsonSerializer.Serialize(LockoutPolicy)}}}"""),
        ("ListKeyPolicies", """{"KeyId":"{sym}"}"""),
        ("CreateGrant", $$$$"""{"KeyId":"{sym}","GranteePrincipal":"{{{{Root}}}}","Operations":["Decrypt"],"Constraints":{"EncryptionContextEquals":{"a":"b"}}}"""),
        ("CreateGrant", $$"""{"KeyId":"{sym}","GranteePrincipal":"{{Root}}"}"""),
        ("CreateGrant", """{"KeyId":"{sym}","GranteePrincipal":"arn:aws:iam::111122223333:user/nobody","Operations":["Decrypt"]}"""),
        ("CreateGrant", $$"""{"KeyId":"{sym}","GranteePrincipal":"{{Root}}","Operations":["Sign"]}"""),
        ("ListGrants", """{"KeyId":"{sym}"}"""),
        ("ListGrants", """{"KeyId":"{sym}","GrantId":"nope"}"""),
        ("ListRetirableGrants", $$"""{"RetiringPrincipal":"{{Root}}"}"""),
        ("ListRetirableGrants", """{"RetiringPrincipal":"not an arn"}"""),
        ("RetireGrant", """{"GrantToken":"not-a-token"}"""),
        ("RetireGrant", """{"KeyId":"{sym}","GrantId":"0000000000000000000000000000000000000000000000000000000000000000"}"""),
        ("RevokeGrant", """{"KeyId":"{sym}","GrantId":"{grant}"}"""),
        ("RevokeGrant", """{"KeyId":"{sym}","GrantId":"nope"}"""),
    ];

    [Fact]
    public async Task EveryRequestOfTheTable_SameOutcomeErrorAndAuditRecord_ThroughBothFronts()
    {
        Assert.True(Table.Length >= 100);
        Assert.Empty(KeyManagementService.Descriptor.Methods.Select(m => m.Name).Except(Table.Select(c => c.Operation)));

        await using var node = await RegionNodeProcess.StartOverTlsAsync(_directory.Path, output);
        using var json = new AwsJsonCaller(node);
        var values = await FixtureAsync(node.Kms);
        var differences = new List<string>();
        foreach (var (operation, template) in Table)
        {
            var grpc = await RunAsync(node, operation, template, values, "grpc", async request =>
            {
                try
                {
                    await node.Client.InvokeAsync(KeyManagementService.Descriptor.FindMethodByName(operation), (IMessage)request).WithTimeout();
                    return ("OK", string.Empty);
                }
                catch (MrkException refusal)
                {
                    return (refusal.ErrorCode, refusal.Message);
                }
            });
            var aws = await RunAsync(node, operation, template, values, "json", async request =>
            {
                var (status, body, _) = await json.CallAsync(operation, (string)request, new Signing("AKIAIOSFODNN7EXAMPLE", "any", "us-east-1"));
                Assert.NotEqual(500, status);
                return status == 200 ? ("OK", string.Empty) : (body.RootElement.GetProperty("__type").GetString()!, body.RootElement.GetProperty("message").GetString()!);
            });
            if (grpc != aws)
            {
                differences.Add($"{operation} {template}:{Environment.NewLine}  gRPC: {grpc}{Environment.NewLine}  JSON: {aws}");
            }
        }

        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>One front's call of one table row: the outcome, the error (normalized) and the audit record it left (normalized).</summary>
    private static async Task<(string Outcome, string Message, string Record)> RunAsync(RegionNodeProcess node, string operation, string template,
        Dictionary<string, string> values, string front, Func<object, Task<(string, string)>> call)
    {
        var request = await FillAsync(node.Kms, template, values, front);
        var before = await LastSequenceAsync(node, operation);
        (string Code, string Message) outcome = front == "grpc"
            ? await call(AwsToProto.Convert(request, KeyManagementService.Descriptor.FindMethodByName(operation).InputType))
            : await call(request);
        string record = string.Empty;
        await Eventually.TrueAsync(async () =>
        {
            var page = await ListAsync(node, operation, before);
            record = page.Records.Select(r => r.Json).FirstOrDefault() ?? string.Empty;
            return record.Length > 0;
        });
        return (outcome.Code, Normalize(outcome.Message), Normalize(WithoutVaryingFields(record)));
    }

    private static async Task<long> LastSequenceAsync(RegionNodeProcess node, string operation) =>
        (await ListAsync(node, operation, 0)).Records.Select(r => r.Sequence).DefaultIfEmpty(0).Max();

    private static async Task<ListAuditRecordsResponse> ListAsync(RegionNodeProcess node, string operation, long after) =>
        (ListAuditRecordsResponse)await node.Client.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
            new ListAuditRecordsRequest { EventName = operation, AfterSequence = after, Limit = 1000 }).WithTimeout();

    /// <summary>The record without what differs between any two calls (its ID and time) and the protocol it came by.</summary>
    private static string WithoutVaryingFields(string record)
    {
        var node = JsonNode.Parse(record)!.AsObject();
        Assert.True(node["additionalEventData"]?["protocol"] is not null, $"the record says which protocol: {record}");
        node.Remove("eventID");
        node.Remove("eventTime");
        node.Remove("additionalEventData");
        return node.ToJsonString();
    }

    /// <summary>Identifiers and times made by the calls themselves (new keys, grants, aliases per front) replaced by their kind.</summary>
    private static string Normalize(string text) =>
        Identifiers().Replace(text, m => $"<{new[] { "mrk", "key", "hex", "time", "front" }.First(kind => m.Groups[kind].Success)}>");

    [GeneratedRegex(@"(?<mrk>mrk-[0-9a-f]{32})|(?<key>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(?<hex>\b[0-9a-f]{64}\b)|(?<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)|(?<front>\b(grpc|json)\b)")]
    private static partial Regex Identifiers();

    private static async Task<string> FillAsync(KeyManagementService.KeyManagementServiceClient kms, string template, Dictionary<string, string> values, string front)
    {
        var filled = template.Replace("{front}", front, StringComparison.Ordinal);
        if (filled.Contains("{fresh}", StringComparison.Ordinal))
        {
            filled = filled.Replace("{fresh}", (await kms.CreateKeyAsync(new CreateKeyRequest()).ResponseAsync.WithTimeout()).KeyMetadata.KeyId,
                StringComparison.Ordinal);
        }

        if (filled.Contains("{grant}", StringComparison.Ordinal))
        {
            var grant = await kms.CreateGrantAsync(new CreateGrantRequest { KeyId = values["sym"], GranteePrincipal = Root, Operations = { GrantOperation.Decrypt } })
                .ResponseAsync.WithTimeout();
            filled = filled.Replace("{grant}", grant.GrantId, StringComparison.Ordinal);
        }

        return values.Aggregate(filled, (text, value) => text.Replace($"{{{value.Key}}}", value.Value, StringComparison.Ordinal));
    }

    /// <summary>The keys, ciphertext, signature, MAC, public key and aliases the table's requests name, made through gRPC.</summary>
    private static async Task<Dictionary<string, string>> FixtureAsync(KeyManagementService.KeyManagementServiceClient kms)
    {
        async Task<string> Key(CreateKeyRequest request) => (await kms.CreateKeyAsync(request).ResponseAsync.WithTimeout()).KeyMetadata.KeyId;
        var values = new Dictionary<string, string>
        {
            ["sym"] = await Key(new CreateKeyRequest()),
            ["rsa"] = await Key(new CreateKeyRequest { KeySpec = KeySpec.Rsa2048, KeyUsage = KeyUsageType.EncryptDecrypt }),
            ["sign"] = await Key(new CreateKeyRequest { KeySpec = KeySpec.EccNistP256, KeyUsage = KeyUsageType.SignVerify }),
            ["hmac"] = await Key(new CreateKeyRequest { KeySpec = KeySpec.Hmac256, KeyUsage = KeyUsageType.GenerateVerifyMac }),
            ["ecdh"] = await Key(new CreateKeyRequest { KeySpec = KeySpec.EccNistP256, KeyUsage = KeyUsageType.KeyAgreement }),
            ["ext"] = await Key(new CreateKeyRequest { Origin = OriginType.External }),
            ["disabled"] = await Key(new CreateKeyRequest()),
            ["mrk"] = await Key(new CreateKeyRequest { MultiRegion = true }),
            ["missing"] = "1234abcd-12ab-34cd-56ef-1234567890ab",
        };
        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = values["disabled"] }).ResponseAsync.WithTimeout();
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/table", TargetKeyId = values["sym"] }).ResponseAsync.WithTimeout();
        foreach (var front in new[] { "grpc", "json" })
        {
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = $"alias/del-{front}", TargetKeyId = values["sym"] }).ResponseAsync.WithTimeout();
        }

        values["ct"] = (await kms.EncryptAsync(new EncryptRequest
        {
            KeyId = values["sym"], Plaintext = ByteString.CopyFromUtf8("hello"), EncryptionContext = { ["a"] = "b" },
        }).ResponseAsync.WithTimeout()).CiphertextBlob.ToBase64();
        values["sig"] = (await kms.SignAsync(new SignRequest
        {
            KeyId = values["sign"], Message = ByteString.CopyFromUtf8("msg"), SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256,
        }).ResponseAsync.WithTimeout()).Signature.ToBase64();
        values["mac"] = (await kms.GenerateMacAsync(new GenerateMacRequest
        {
            KeyId = values["hmac"], Message = ByteString.CopyFromUtf8("msg"), MacAlgorithm = MacAlgorithmSpec.HmacSha256,
        }).ResponseAsync.WithTimeout()).Mac.ToBase64();
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        values["pub"] = Convert.ToBase64String(peer.ExportSubjectPublicKeyInfo());
        return values;
    }
}
