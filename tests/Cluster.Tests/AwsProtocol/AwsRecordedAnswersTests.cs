using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Xunit.Abstractions;

namespace Grpc.Mrk.Cluster.Tests.AwsProtocol;

/// <summary>
/// AWS's exact words: refusals AWS itself gave (tests/vectors/aws-recorded-answers, recorded against AWS KMS) are asked
/// again of a Region through the AWS JSON protocol, and each answer must carry AWS's exception name and message. Where
/// AWS lists an enum's values (in an order of its own, and fewer than today's model), ours must name every one it named.
/// </summary>
public sealed partial class AwsRecordedAnswersTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string Uuid = "0b4d9d5e-5d3c-4f33-9d57-5e0b2a6f6a11";

    private readonly TempDirectory _directory = new();

    /// <summary>(the recorded test's name, the operation, the request; placeholders {sym} {rsa2048} {rsa3072} {sign} {hmac224} {hmac256} {ext} {disabled}
    /// {ecdh} {pub} {ct}).</summary>
    private static readonly (string Recorded, string Operation, string Request)[] Cases =
    [
        ("test_generate_random_invalid_number_of_bytes[None]", "GenerateRandom", "{}"),
        ("test_generate_random_invalid_number_of_bytes[0]", "GenerateRandom", """{"NumberOfBytes":0}"""),
        ("test_generate_random_invalid_number_of_bytes[1025]", "GenerateRandom", """{"NumberOfBytes":1025}"""),
        ("test_encrypt_validate_plaintext_size_per_key_type[RSA_2048-RSAES_OAEP_SHA_1]", "Encrypt",
            $$"""{"KeyId":"{rsa2048}","Plaintext":"{{Bytes(215)}}","EncryptionAlgorithm":"RSAES_OAEP_SHA_1"}"""),
        ("test_encrypt_validate_plaintext_size_per_key_type[RSA_2048-RSAES_OAEP_SHA_256]", "Encrypt",
            $$"""{"KeyId":"{rsa2048}","Plaintext":"{{Bytes(191)}}","EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}"""),
        ("test_encrypt_validate_plaintext_size_per_key_type[RSA_3072-RSAES_OAEP_SHA_1]", "Encrypt",
            $$"""{"KeyId":"{rsa3072}","Plaintext":"{{Bytes(343)}}","EncryptionAlgorithm":"RSAES_OAEP_SHA_1"}"""),
        ("test_encrypt_validate_plaintext_size_per_key_type[RSA_3072-RSAES_OAEP_SHA_256]", "Encrypt",
            $$"""{"KeyId":"{rsa3072}","Plaintext":"{{Bytes(319)}}","EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}"""),
        ("test_get_key_does_not_exist", "DescribeKey", $$"""{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/{{Uuid}}"}"""),
        ("test_get_key_invalid_uuid", "DescribeKey", """{"KeyId":"fake-key-id"}"""),
        ("test_get_key_invalid_uuid", "DescribeKey", """{"KeyId":"134f2428cec14b25a1ae9048164dba47"}"""),
        ("test_get_key_invalid_uuid", "DescribeKey", """{"KeyId":"mrk-fake-key-id"}"""),
        ("test_create_alias", "CreateAlias", """{"AliasName":"no-prefix","TargetKeyId":"{sym}"}"""),
        ("test_sign_verify[ECC_NIST_P256-ECDSA_SHA_256]", "Sign", """{"KeyId":"{sign}","Message":"AAAA","MessageType":"DIGEST","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("test_hmac_create_key_invalid_operations", "CreateKey", """{"KeySpec":"HMAC_256"}"""),
        ("test_hmac_create_key_invalid_operations", "CreateKey", """{"KeySpec":"HMAC_random","KeyUsage":"GENERATE_VERIFY_MAC"}"""),
        ("test_hmac_create_key_invalid_operations", "CreateKey", """{"KeySpec":"HMAC_256","KeyUsage":"RANDOM"}"""),
        ("test_invalid_generate_mac[HMAC_224-HMAC_SHA_256]", "GenerateMac", """{"KeyId":"{hmac224}","Message":"AAAA","MacAlgorithm":"HMAC_SHA_256"}"""),
        ("test_invalid_generate_mac[HMAC_256-INVALID]", "GenerateMac", """{"KeyId":"{hmac256}","Message":"AAAA","MacAlgorithm":"INVALID"}"""),
        ("test_invalid_verify_mac[HMAC_256-HMAC_SHA_512-some important message]", "VerifyMac",
            """{"KeyId":"{hmac256}","Message":"AAAA","Mac":"AAAA","MacAlgorithm":"HMAC_SHA_512"}"""),
        ("test_import_key_symmetric", "Encrypt", """{"KeyId":"{ext}","Plaintext":"AAAA"}"""),
        ("test_import_key_symmetric", "ImportKeyMaterial", """{"KeyId":"{ext}","ImportToken":"AAAA","EncryptedKeyMaterial":"AAAA","ExpirationModel":"KEY_MATERIAL_EXPIRES"}"""),
        ("test_error_messaging_for_invalid_keys", "GenerateMac", """{"KeyId":"{sym}","Message":"AAAA","MacAlgorithm":"HMAC_SHA_256"}"""),
        ("test_error_messaging_for_invalid_keys", "Sign", """{"KeyId":"{hmac256}","Message":"AAAA","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("test_error_messaging_for_invalid_keys", "Verify", """{"KeyId":"{sym}","Message":"AAAA","Signature":"AAAA","SigningAlgorithm":"ECDSA_SHA_256"}"""),
        ("test_error_messaging_for_invalid_keys", "Encrypt", """{"KeyId":"{sign}","Plaintext":"AAAA"}"""),
        ("test_error_messaging_for_invalid_keys", "Decrypt", """{"CiphertextBlob":"{ct}","KeyId":"{hmac256}"}"""),
        ("test_plaintext_size_for_encrypt", "Encrypt", $$"""{"KeyId":"{sym}","Plaintext":"{{Bytes(4097)}}"}"""),
        ("test_get_parameters_for_import", "GetParametersForImport", """{"KeyId":"{sym}","WrappingAlgorithm":"RSAES_OAEP_SHA_256","WrappingKeySpec":"RSA_2048"}"""),
        ("test_derive_shared_secret", "DeriveSharedSecret", """{"KeyId":"{sign}","KeyAgreementAlgorithm":"ECDH","PublicKey":"{pub}"}"""),
        ("test_derive_shared_secret", "DeriveSharedSecret", """{"KeyId":"{sym}","KeyAgreementAlgorithm":"ECDH","PublicKey":"{pub}"}"""),
        ("test_derive_shared_secret", "DeriveSharedSecret", """{"KeyId":"{ecdh}","KeyAgreementAlgorithm":"INVALID","PublicKey":"{pub}"}"""),
        ("test_derive_shared_secret", "CreateKey", """{"KeySpec":"RSA_2048","KeyUsage":"KEY_AGREEMENT"}"""),
        ("test_tag_key_with_duplicate_tag_keys_raises_error", "TagResource", """{"KeyId":"{sym}","Tags":[{"TagKey":"a","TagValue":"1"},{"TagKey":"a","TagValue":"2"}]}"""),
        ("test_create_key_with_too_many_tags_raises_error", "CreateKey",
            $$"""{"Tags":[{{string.Join(",", Enumerable.Range(0, 51).Select(i => $$$"""{"TagKey":"k{{{i}}}","TagValue":"v"}"""))}}]}"""),
        ("test_tag_existing_key_with_invalid_tag_key", "TagResource", """{"KeyId":"{sym}","Tags":[{"TagKey":"aws:tag","TagValue":"v"}]}"""),
        ("test_create_key_with_invalid_tag_key[uppercase_prefix]", "CreateKey", """{"Tags":[{"TagKey":"AWS:tag","TagValue":"v"}]}"""),
        ("test_create_key_with_invalid_tag_key[too_long_key]", "CreateKey", $$"""{"Tags":[{"TagKey":"{{new string('a', 129)}}","TagValue":"v"}]}"""),
        ("test_key_with_long_tag_value_raises_error", "TagResource", $$"""{"KeyId":"{sym}","Tags":[{"TagKey":"k","TagValue":"{{new string('v', 257)}}"}]}"""),
        ("test_rotate_key_on_demand_raises_error_given_key_is_disabled", "RotateKeyOnDemand", """{"KeyId":"{disabled}"}"""),
        ("test_generate_data_key_pair_dry_run", "GenerateDataKeyPair", """{"KeyId":"{sym}","KeyPairSpec":"RSA_2048","DryRun":true}"""),
        ("test_generate_data_key_pair_without_plaintext_dry_run", "GenerateDataKeyPairWithoutPlaintext", """{"KeyId":"{sym}","KeyPairSpec":"RSA_2048","DryRun":true}"""),
    ];

    [Fact]
    public async Task RefusalsAwsGave_SameNameAndWords()
    {
        var recorded = Recorded();
        await using var node = await RegionNodeProcess.StartOverTlsAsync(_directory.Path, output);
        using var caller = new AwsJsonCaller(node);
        var values = await FixtureAsync(caller);
        var misses = new List<string>();
        foreach (var (name, operation, template) in Cases)
        {
            var answers = recorded[name];
            var request = values.Aggregate(template, (text, value) => text.Replace($"{{{value.Key}}}", value.Value, StringComparison.Ordinal));
            var (status, body, _) = await caller.CallAsync(operation, request, Any);
            var ours = status == 200 ? ("(succeeded)", string.Empty)
                : (body.RootElement.GetProperty("__type").GetString()!, body.RootElement.GetProperty("message").GetString()!);
            if (!answers.Any(aws => aws.Code == ours.Item1 && SameWords(aws.Message, ours.Item2)))
            {
                misses.Add($"{name} {operation}: ours {ours.Item1}: {ours.Item2}{Environment.NewLine}    AWS: "
                           + string.Join($"{Environment.NewLine}    AWS: ", answers.Select(a => $"{a.Code}: {a.Message}")));
            }
        }

        output.WriteLine($"{Cases.Length - misses.Count} of {Cases.Length} recorded refusals answered in AWS's name and words");
        Assert.True(misses.Count == 0, string.Join(Environment.NewLine, misses));
    }

    public void Dispose() => _directory.Dispose();

    private static readonly Signing Any = new("AKIAIOSFODNN7EXAMPLE", "any", "us-east-1");

    private static string Bytes(int count) => Convert.ToBase64String(new byte[count]);

    /// <summary>AWS's message with its placeholders standing for any value of their kind; an enum set compared as a set of which ours names every value.</summary>
    private static bool SameWords(string aws, string ours)
    {
        var set = EnumSet().Match(aws);
        if (set.Success)
        {
            var oursSet = EnumSet().Match(ours);
            return oursSet.Success && aws[..set.Index] == ours[..oursSet.Index]
                   && set.Groups[1].Value.Split(", ").All(value => oursSet.Groups[1].Value.Split(", ").Contains(value));
        }

        var pattern = Regex.Escape(aws)
            .Replace("<key-arn>", @"arn:aws:kms:us-east-1:\d{12}:key/[\w-]+", StringComparison.Ordinal)
            .Replace("<mrk-key-arn>", @"arn:aws:kms:us-east-1:\d{12}:key/mrk-[0-9a-f]{32}", StringComparison.Ordinal)
            .Replace("<partition>", "aws", StringComparison.Ordinal)
            .Replace("<region>", "us-east-1", StringComparison.Ordinal)
            .Replace("111111111111", @"\d{12}", StringComparison.Ordinal);
        pattern = KeyIdPlaceholder().Replace(pattern, @"[\w-]+");
        return Regex.IsMatch(ours, $"^{pattern}$");
    }

    [GeneratedRegex(@"Member must satisfy enum value set: \[([^\]]*)\]$")]
    private static partial Regex EnumSet();

    [GeneratedRegex(@"<key-id:\d+>")]
    private static partial Regex KeyIdPlaceholder();

    /// <summary>Every refusal recorded in each test of the snapshot, by the test's name.</summary>
    private static Dictionary<string, List<(string Code, string Message)>> Recorded()
    {
        using var snapshot = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "tests", "vectors", "aws-recorded-answers", "test_kms.snapshot.json")));
        var result = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var test in snapshot.RootElement.EnumerateObject())
        {
            var errors = new List<(string, string)>();
            Collect(test.Value, errors);
            result[test.Name[(test.Name.LastIndexOf("::", StringComparison.Ordinal) + 2)..]] = errors;
        }

        return result;
    }

    private static void Collect(JsonElement element, List<(string, string)> errors)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("Error", out var error) && error.TryGetProperty("Code", out var code))
            {
                errors.Add((code.GetString()!, error.TryGetProperty("Message", out var message) ? message.GetString() ?? string.Empty : string.Empty));
            }

            foreach (var property in element.EnumerateObject())
            {
                Collect(property.Value, errors);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Collect(item, errors);
            }
        }
    }

    private static async Task<Dictionary<string, string>> FixtureAsync(AwsJsonCaller caller)
    {
        async Task<string> Key(string request)
        {
            var (status, created, _) = await caller.CallAsync("CreateKey", request, Any);
            Assert.Equal(200, status);
            return created.RootElement.GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        }

        var values = new Dictionary<string, string>
        {
            ["sym"] = await Key("{}"),
            ["rsa2048"] = await Key("""{"KeySpec":"RSA_2048","KeyUsage":"ENCRYPT_DECRYPT"}"""),
            ["rsa3072"] = await Key("""{"KeySpec":"RSA_3072","KeyUsage":"ENCRYPT_DECRYPT"}"""),
            ["sign"] = await Key("""{"KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}"""),
            ["hmac224"] = await Key("""{"KeySpec":"HMAC_224","KeyUsage":"GENERATE_VERIFY_MAC"}"""),
            ["hmac256"] = await Key("""{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}"""),
            ["ecdh"] = await Key("""{"KeySpec":"ECC_NIST_P256","KeyUsage":"KEY_AGREEMENT"}"""),
            ["ext"] = await Key("""{"Origin":"EXTERNAL"}"""),
            ["disabled"] = await Key("{}"),
        };
        Assert.Equal(200, (await caller.CallAsync("DisableKey", $$"""{"KeyId":"{{values["disabled"]}}"}""", Any)).Status);
        var (_, encrypted, _) = await caller.CallAsync("Encrypt", $$"""{"KeyId":"{{values["sym"]}}","Plaintext":"AAAA"}""", Any);
        values["ct"] = encrypted.RootElement.GetProperty("CiphertextBlob").GetString()!;
        using var peer = System.Security.Cryptography.ECDiffieHellman.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        values["pub"] = Convert.ToBase64String(peer.ExportSubjectPublicKeyInfo());
        return values;
    }
}
