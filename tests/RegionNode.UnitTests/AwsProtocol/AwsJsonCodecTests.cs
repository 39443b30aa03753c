using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.RegionNode.Api.AwsProtocol;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.UnitTests.AwsProtocol;

/// <summary>Requests read and responses written as awsJson1.1 has them, and each malformed body refused by AWS's name.</summary>
public sealed class AwsJsonCodecTests
{
    private static readonly AwsServiceModel Model = AwsServiceModel.Kms;

    [Fact]
    public void Request_MembersBlobsMapsListsAndEnums_ReadIntoOurMessage()
    {
        var request = Read<EncryptRequest>("Encrypt", """
            {"KeyId":"alias/app","Plaintext":"aGVsbG8=","EncryptionContext":{"purpose":"test"},"GrantTokens":["t1","t2"],
             "EncryptionAlgorithm":"RSAES_OAEP_SHA_256","DryRun":true,"Unknown":{"ignored":1}}
            """);
        Assert.Equal("alias/app", request.KeyId);
        Assert.Equal("hello", request.Plaintext.ToStringUtf8());
        Assert.Equal("test", request.EncryptionContext["purpose"]);
        Assert.Equal(["t1", "t2"], request.GrantTokens);
        Assert.Equal(EncryptionAlgorithmSpec.RsaesOaepSha256, request.EncryptionAlgorithm);
        Assert.True(request.DryRun);
    }

    [Fact]
    public void Request_NestedStructuresAndTimestamps_Read()
    {
        var grant = Read<CreateGrantRequest>("CreateGrant", """
            {"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:user/a","Operations":["Decrypt","GenerateDataKeyWithoutPlaintext"],
             "Constraints":{"EncryptionContextSubset":{"a":"b"}}}
            """);
        Assert.Equal([GrantOperation.Decrypt, GrantOperation.GenerateDataKeyWithoutPlaintext], grant.Operations);
        Assert.Equal("b", grant.Constraints.EncryptionContextSubset["a"]);

        var import = Read<ImportKeyMaterialRequest>("ImportKeyMaterial", """{"KeyId":"k","ValidTo":1800000000.25,"ExpirationModel":"KEY_MATERIAL_EXPIRES"}""");
        Assert.Equal(new Timestamp { Seconds = 1_800_000_000, Nanos = 250_000_000 }, import.ValidTo);
    }

    [Fact]
    public void Request_OptionalIntegers_KeepTheirPresence()
    {
        Assert.False(Read<ListKeysRequest>("ListKeys", "{}").HasLimit);
        Assert.Equal(0, Read<ListKeysRequest>("ListKeys", """{"Limit":0}""").Limit);
        Assert.True(Read<ListKeysRequest>("ListKeys", """{"Limit":0}""").HasLimit);
        Assert.False(Read<ListKeysRequest>("ListKeys", """{"Limit":null}""").HasLimit);
    }

    [Fact]
    public void Request_OlderKeySpecName_ReadsAsKeySpecUnlessKeySpecIsGiven()
    {
        Assert.Equal(KeySpec.Rsa2048, Read<CreateKeyRequest>("CreateKey", """{"CustomerMasterKeySpec":"RSA_2048"}""").KeySpec);
        Assert.Equal(KeySpec.EccNistP256, Read<CreateKeyRequest>("CreateKey", """{"CustomerMasterKeySpec":"RSA_2048","KeySpec":"ECC_NIST_P256"}""").KeySpec);
        Assert.Equal(KeySpec.EccNistP256, Read<CreateKeyRequest>("CreateKey", """{"KeySpec":"ECC_NIST_P256","CustomerMasterKeySpec":"RSA_2048"}""").KeySpec);
    }

    [Theory]
    [InlineData("Encrypt", "not json", "SerializationException")]
    [InlineData("Encrypt", "[1]", "SerializationException")]
    [InlineData("Encrypt", """{"KeyId":5}""", "SerializationException")]
    [InlineData("Encrypt", """{"Plaintext":"***"}""", "SerializationException")]
    [InlineData("Encrypt", """{"EncryptionContext":["a"]}""", "SerializationException")]
    [InlineData("Encrypt", """{"EncryptionContext":{"a":1}}""", "SerializationException")]
    [InlineData("Encrypt", """{"GrantTokens":"t"}""", "SerializationException")]
    [InlineData("Encrypt", """{"GrantTokens":[null]}""", "SerializationException")]
    [InlineData("Encrypt", """{"DryRun":"true"}""", "SerializationException")]
    [InlineData("ListKeys", """{"Limit":1.5}""", "SerializationException")]
    [InlineData("ListKeys", """{"Limit":99999999999}""", "SerializationException")]
    [InlineData("ImportKeyMaterial", """{"ValidTo":"2030-01-01"}""", "SerializationException")]
    [InlineData("ImportKeyMaterial", """{"ValidTo":1e30}""", "SerializationException")]
    [InlineData("Encrypt", """{"EncryptionAlgorithm":"ROT13"}""", "ValidationException")]
    [InlineData("Decrypt", """{"Recipient":{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_256"}}""", "UnsupportedOperationException")]
    [InlineData("CreateKey", """{"CustomKeyStoreId":"cks-1234567890abcdef0"}""", "UnsupportedOperationException")]
    [InlineData("Decrypt", """{"DryRunModifiers":["IGNORE_CIPHERTEXT"]}""", "UnsupportedOperationException")]
    public void MalformedRequest_RefusedByAwsName(string operation, string body, string exception)
    {
        var refusal = Assert.Throws<KmsException>(() => AwsJsonReader.Read(Model, Model.Operations[operation].InputShape, Encoding.UTF8.GetBytes(body),
            KeyManagementService.Descriptor.FindMethodByName(operation).InputType));
        Assert.Equal(exception, refusal.ErrorCode);
    }

    [Fact]
    public void DeeplyNestedBody_RefusedAsSerialization()
    {
        var body = new string('[', 10_000) + new string(']', 10_000);
        var refusal = Assert.Throws<KmsException>(() => Read<EncryptRequest>("Encrypt", $$"""{"KeyId":{{body}}}"""));
        Assert.Equal(KmsErrorCodes.Serialization, refusal.ErrorCode);
    }

    [Fact]
    public void EnumOutsideTheModel_NamesTheMemberAndTheModelsValues()
    {
        var refusal = Assert.Throws<KmsException>(() => Read<CreateKeyRequest>("CreateKey", """{"KeyUsage":"SHRED"}"""));
        Assert.Equal("1 validation error detected: Value 'SHRED' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: "
                     + "[SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT]", refusal.Message);
    }

    [Fact]
    public void Response_ModelNamesEpochSecondsBase64_AbsentMembersLeftOut()
    {
        var response = new DescribeKeyResponse
        {
            KeyMetadata = new KeyMetadata
            {
                KeyId = "mrk-1", Arn = "arn:aws:kms:us-east-1:111122223333:key/mrk-1", AwsAccountId = "111122223333", Enabled = true,
                CreationDate = new Timestamp { Seconds = 1_800_000_000, Nanos = 123_456_789 }, KeyState = KeyState.PendingReplicaDeletion,
                KeySpec = KeySpec.Hmac256, KeyUsage = KeyUsageType.GenerateVerifyMac, MacAlgorithms = { MacAlgorithmSpec.HmacSha256 },
                MultiRegion = true,
            },
        };
        using var json = Write("DescribeKey", response);
        var metadata = json.RootElement.GetProperty("KeyMetadata");
        Assert.Equal("mrk-1", metadata.GetProperty("KeyId").GetString());
        Assert.Equal("111122223333", metadata.GetProperty("AWSAccountId").GetString());
        Assert.Equal(1_800_000_000.123m, metadata.GetProperty("CreationDate").GetDecimal());
        Assert.Equal("PendingReplicaDeletion", metadata.GetProperty("KeyState").GetString());
        Assert.Equal("HMAC_256", metadata.GetProperty("KeySpec").GetString());
        Assert.Equal("HMAC_256", metadata.GetProperty("CustomerMasterKeySpec").GetString());
        Assert.Equal(["HMAC_SHA_256"], metadata.GetProperty("MacAlgorithms").EnumerateArray().Select(e => e.GetString()));
        Assert.True(metadata.GetProperty("Enabled").GetBoolean());
        Assert.False(metadata.TryGetProperty("EncryptionAlgorithms", out _));
        Assert.False(metadata.TryGetProperty("Description", out _));
        Assert.False(metadata.TryGetProperty("DeletionDate", out _));
        Assert.False(metadata.TryGetProperty("Origin", out _));
    }

    [Fact]
    public void Response_TopLevelListsWrittenEvenEmpty_BlobsInBase64()
    {
        using var list = Write("ListAliases", new ListAliasesResponse());
        Assert.Equal(JsonValueKind.Array, list.RootElement.GetProperty("Aliases").ValueKind);
        Assert.False(list.RootElement.GetProperty("Truncated").GetBoolean());
        Assert.False(list.RootElement.TryGetProperty("NextMarker", out _));

        using var encrypted = Write("Encrypt", new EncryptResponse { CiphertextBlob = ByteString.CopyFromUtf8("abc"), KeyId = "k" });
        Assert.Equal("YWJj", encrypted.RootElement.GetProperty("CiphertextBlob").GetString());
    }

    [Fact]
    public void Response_OfAnOperationWithoutOutput_IsAnEmptyObject() =>
        Assert.Equal("{}", Encoding.UTF8.GetString(AwsJsonWriter.Write(Model, Model.Operations["EnableKey"].OutputShape, new EnableKeyResponse())));

    private static T Read<T>(string operation, string body)
        where T : IMessage =>
        (T)AwsJsonReader.Read(Model, Model.Operations[operation].InputShape, Encoding.UTF8.GetBytes(body),
            KeyManagementService.Descriptor.FindMethodByName(operation).InputType);

    private static JsonDocument Write(string operation, IMessage response) =>
        JsonDocument.Parse(AwsJsonWriter.Write(Model, Model.Operations[operation].OutputShape, response));
}
