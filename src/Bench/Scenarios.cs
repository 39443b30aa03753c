using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Bench;

/// <summary>
/// One measured call: its name, the call itself (its keys and inputs made once, beforehand) and, for a gRPC call, the
/// same request as bytes on the wire for a load generator that is not .NET.
/// </summary>
public sealed record Scenario(string Name, Func<CancellationToken, Task> Call, WireRequest? Wire = null);

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

        var encryptSmall = new EncryptRequest { KeyId = symmetric, Plaintext = small };
        var encryptLarge = new EncryptRequest { KeyId = symmetric, Plaintext = large };
        var decryptSmall = new DecryptRequest { CiphertextBlob = smallBlob };
        var decryptLarge = new DecryptRequest { CiphertextBlob = largeBlob };
        var dataKey = new GenerateDataKeyRequest { KeyId = symmetric, KeySpec = DataKeySpec.Aes256 };
        var reEncrypt = new ReEncryptRequest { CiphertextBlob = largeBlob, DestinationKeyId = symmetric };
        var rsaSign = new SignRequest { KeyId = rsa, Message = message, SigningAlgorithm = SigningAlgorithmSpec.RsassaPssSha256 };
        var rsaVerify = new VerifyRequest { KeyId = rsa, Message = message, Signature = rsaSignature, SigningAlgorithm = SigningAlgorithmSpec.RsassaPssSha256 };
        var eccSign = new SignRequest { KeyId = ecc, Message = message, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256 };
        var eccVerify = new VerifyRequest { KeyId = ecc, Message = message, Signature = eccSignature, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256 };
        var mac = new GenerateMacRequest { KeyId = hmac, Message = message, MacAlgorithm = MacAlgorithmSpec.HmacSha256 };
        var random = new GenerateRandomRequest { NumberOfBytes = 1 };
        var describe = new DescribeKeyRequest { KeyId = symmetric };
        return
        [
            new("health check (empty call)", async cancellationToken => await client.CheckHealthAsync(cancellationToken).ConfigureAwait(false),
                new WireRequest("/grpc.health.v1.Health/Check", [])),
            Unary(client, Ceiling, "GenerateRandom", random, (k, o) => k.GenerateRandomAsync(random, o)),
            Unary(client, "Encrypt 32 B", "Encrypt", encryptSmall, (k, o) => k.EncryptAsync(encryptSmall, o)),
            Unary(client, "Encrypt 4 KiB", "Encrypt", encryptLarge, (k, o) => k.EncryptAsync(encryptLarge, o)),
            Unary(client, "Decrypt 32 B", "Decrypt", decryptSmall, (k, o) => k.DecryptAsync(decryptSmall, o)),
            Unary(client, "Decrypt 4 KiB", "Decrypt", decryptLarge, (k, o) => k.DecryptAsync(decryptLarge, o)),
            Unary(client, "GenerateDataKey AES_256", "GenerateDataKey", dataKey, (k, o) => k.GenerateDataKeyAsync(dataKey, o)),
            Unary(client, "ReEncrypt 4 KiB", "ReEncrypt", reEncrypt, (k, o) => k.ReEncryptAsync(reEncrypt, o)),
            Unary(client, "Sign RSA_2048 PSS", "Sign", rsaSign, (k, o) => k.SignAsync(rsaSign, o)),
            Unary(client, "Verify RSA_2048 PSS", "Verify", rsaVerify, (k, o) => k.VerifyAsync(rsaVerify, o)),
            Unary(client, "Sign ECDSA P-256", "Sign", eccSign, (k, o) => k.SignAsync(eccSign, o)),
            Unary(client, "Verify ECDSA P-256", "Verify", eccVerify, (k, o) => k.VerifyAsync(eccVerify, o)),
            Unary(client, "GenerateMac HMAC_256", "GenerateMac", mac, (k, o) => k.GenerateMacAsync(mac, o)),
            Unary(client, "DescribeKey", "DescribeKey", describe, (k, o) => k.DescribeKeyAsync(describe, o)),
        ];
    }

    /// <summary>A KeyManagementService call, made by the .NET client or sent as the same bytes by h2load.</summary>
    private static Scenario Unary<TResponse>(MrkClient client, string name, string method, IMessage request,
        Func<KeyManagementService.KeyManagementServiceClient, Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<TResponse>> call) =>
        new(name, cancellationToken => client.CallAsync(call, cancellationToken), new WireRequest($"/mrk.v1.KeyManagementService/{method}", request.ToByteArray()));

    private static async Task<string> CreateAsync(MrkClient client, KeySpec spec, KeyUsageType usage) =>
        (await client.CallAsync((k, o) => k.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = spec, KeyUsage = usage, Description = "mrk-bench",
        }, o)).ConfigureAwait(false)).KeyMetadata.KeyId;
}
