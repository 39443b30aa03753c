using System.Text;
using System.Text.Json;

namespace Grpc.Mrk.Bench;

/// <summary>
/// The AWS JSON protocol's scenarios, named as their gRPC twins with "aws-json " in front, on a key of their own made as
/// the gRPC scenarios make theirs, signed with the access key of <see cref="BenchCredentials"/>, so signature
/// verification is part of every figure.
/// </summary>
public static class AwsJsonScenarios
{
    public const string Prefix = "aws-json ";

    public static async Task<(IReadOnlyList<Scenario> Scenarios, AwsJsonClient Client)> PrepareAsync(Uri endpoint, string region,
        string? certificateAuthority, BenchCredentials credentials, bool http2)
    {
        var client = new AwsJsonClient(endpoint, region, credentials.AccessKeyId, credentials.SecretAccessKey, certificateAuthority, http2);
        var key = (await client.CallAsync("CreateKey", Encoding.UTF8.GetBytes("""{"Description":"mrk-bench"}"""), CancellationToken.None).ConfigureAwait(false))
            .GetProperty("KeyMetadata").GetProperty("KeyId").GetString()!;
        byte[] Body(object request) => JsonSerializer.SerializeToUtf8Bytes(request);
        var small = Convert.ToBase64String(new byte[32]);
        var large = Convert.ToBase64String(new byte[4096]);
        async Task<string> EncryptedAsync(string plaintext) =>
            (await client.CallAsync("Encrypt", Body(new { KeyId = key, Plaintext = plaintext }), CancellationToken.None).ConfigureAwait(false))
            .GetProperty("CiphertextBlob").GetString()!;
        var smallBlob = await EncryptedAsync(small).ConfigureAwait(false);
        var largeBlob = await EncryptedAsync(large).ConfigureAwait(false);

        Scenario Call(string name, string operation, byte[] body) =>
            new(Prefix + name, async cancellationToken => await client.CallAsync(operation, body, cancellationToken).ConfigureAwait(false));
        return (
        [
            Call(Scenarios.Ceiling, "GenerateRandom", Body(new { NumberOfBytes = 1 })),
            Call("Encrypt 32 B", "Encrypt", Body(new { KeyId = key, Plaintext = small })),
            Call("Encrypt 4 KiB", "Encrypt", Body(new { KeyId = key, Plaintext = large })),
            Call("Decrypt 32 B", "Decrypt", Body(new { CiphertextBlob = smallBlob })),
            Call("Decrypt 4 KiB", "Decrypt", Body(new { CiphertextBlob = largeBlob })),
            Call("GenerateDataKey AES_256", "GenerateDataKey", Body(new { KeyId = key, KeySpec = "AES_256" })),
            Call("DescribeKey", "DescribeKey", Body(new { KeyId = key })),
        ], client);
    }
}
