using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Bench;

/// <summary>One measured call: its name, the keys and inputs it needs (made once, beforehand), and the call itself.</summary>
public sealed record Scenario(string Name, Func<CancellationToken, Task> Call);

/// <summary>
/// The single-Region scenarios: an empty-call ceiling (GenerateRandom of 1 byte, which passes the same authentication,
/// policy and audit path as every key call; and the bare health check), then the symmetric, asymmetric and MAC calls
/// at the sizes users send.
/// </summary>
public static class Scenarios
{
    public const string Ceiling = "GenerateRandom 1 B";

    public static async Task<IReadOnlyList<Scenario>> PrepareAsync(MrkClient client)
    {
        var symmetric = await CreateAsync(client, KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt).ConfigureAwait(false);
        var rsa = await CreateAsync(client, KeySpec.Rsa2048, KeyUsageType.SignVerify).ConfigureAwait(false);
        var ecc = await CreateAsync(client, KeySpec.EccNistP256, KeyUsageType.SignVerify).ConfigureAwait(false);
        var hmac = await CreateAsync(client, KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac).ConfigureAwait(false);
        var small = ByteString.CopyFrom(new byte[32]);
        var large = ByteString.CopyFrom(new byte[4096]);
        var smallBlob = (await client.CallAsync((k, o) => k.EncryptAsync(new EncryptRequest { KeyId = symmetric, Plaintext = small }, o))
            .ConfigureAwait(false)).CiphertextBlob;
        var largeBlob = (await client.CallAsync((k, o) => k.EncryptAsync(new EncryptRequest { KeyId = symmetric, Plaintext = large }, o))
            .ConfigureAwait(false)).CiphertextBlob;
        var message = ByteString.CopyFromUtf8("a message to sign, as a service would send it");
        var rsaSignature = (await client.CallAsync((k, o) => k.SignAsync(new SignRequest
        {
            KeyId = rsa, Message = message, SigningAlgorithm = SigningAlgorithmSpec.RsassaPssSha256,
        }, o)).ConfigureAwait(false)).Signature;
        var eccSignature = (await client.CallAsync((k, o) => k.SignAsync(new SignRequest
        {
            KeyId = ecc, Message = message, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256,
        }, o)).ConfigureAwait(false)).Signature;

        return
        [
            new("health check (empty call)", async cancellationToken => await client.CheckHealthAsync(cancellationToken).ConfigureAwait(false)),
            new(Ceiling, Call(client, (k, o) => k.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 1 }, o))),
            new("Encrypt 32 B", Call(client, (k, o) => k.EncryptAsync(new EncryptRequest { KeyId = symmetric, Plaintext = small }, o))),
            new("Encrypt 4 KiB", Call(client, (k, o) => k.EncryptAsync(new EncryptRequest { KeyId = symmetric, Plaintext = large }, o))),
            new("Decrypt 32 B", Call(client, (k, o) => k.DecryptAsync(new DecryptRequest { CiphertextBlob = smallBlob }, o))),
            new("Decrypt 4 KiB", Call(client, (k, o) => k.DecryptAsync(new DecryptRequest { CiphertextBlob = largeBlob }, o))),
            new("GenerateDataKey AES_256", Call(client, (k, o) => k.GenerateDataKeyAsync(new GenerateDataKeyRequest
            {
                KeyId = symmetric, KeySpec = DataKeySpec.Aes256,
            }, o))),
            new("ReEncrypt 4 KiB", Call(client, (k, o) => k.ReEncryptAsync(new ReEncryptRequest
            {
                CiphertextBlob = largeBlob, DestinationKeyId = symmetric,
            }, o))),
            new("Sign RSA_2048 PSS", Call(client, (k, o) => k.SignAsync(new SignRequest
            {
                KeyId = rsa, Message = message, SigningAlgorithm = SigningAlgorithmSpec.RsassaPssSha256,
            }, o))),
            new("Verify RSA_2048 PSS", Call(client, (k, o) => k.VerifyAsync(new VerifyRequest
            {
                KeyId = rsa, Message = message, Signature = rsaSignature, SigningAlgorithm = SigningAlgorithmSpec.RsassaPssSha256,
            }, o))),
            new("Sign ECDSA P-256", Call(client, (k, o) => k.SignAsync(new SignRequest
            {
                KeyId = ecc, Message = message, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256,
            }, o))),
            new("Verify ECDSA P-256", Call(client, (k, o) => k.VerifyAsync(new VerifyRequest
            {
                KeyId = ecc, Message = message, Signature = eccSignature, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256,
            }, o))),
            new("GenerateMac HMAC_256", Call(client, (k, o) => k.GenerateMacAsync(new GenerateMacRequest
            {
                KeyId = hmac, Message = message, MacAlgorithm = MacAlgorithmSpec.HmacSha256,
            }, o))),
            new("DescribeKey", Call(client, (k, o) => k.DescribeKeyAsync(new DescribeKeyRequest { KeyId = symmetric }, o))),
        ];
    }

    private static Func<CancellationToken, Task> Call<TResponse>(MrkClient client,
        Func<KeyManagementService.KeyManagementServiceClient, Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<TResponse>> call) =>
        cancellationToken => client.CallAsync(call, cancellationToken);

    private static async Task<string> CreateAsync(MrkClient client, KeySpec spec, KeyUsageType usage) =>
        (await client.CallAsync((k, o) => k.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = spec, KeyUsage = usage, Description = "mrk-bench",
        }, o)).ConfigureAwait(false)).KeyMetadata.KeyId;
}
