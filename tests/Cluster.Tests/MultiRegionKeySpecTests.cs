using Google.Protobuf;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// For every key spec and usage: a primary in us-east-1 replicated to eu-west-1 and ap-southeast-2 does the same
/// cryptography in every Region, so what one Region makes the others open or verify.
/// </summary>
public sealed class MultiRegionKeySpecTests(ThreeRegionClusterFixture fixture) : IClassFixture<ThreeRegionClusterFixture>
{
    private ThreeRegionCluster Cluster => fixture.Cluster;

    public static TheoryData<KeySpec, KeyUsageType> Specs => new()
    {
        { KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt },
        { KeySpec.Rsa2048, KeyUsageType.EncryptDecrypt },
        { KeySpec.Rsa3072, KeyUsageType.EncryptDecrypt },
        { KeySpec.Rsa4096, KeyUsageType.EncryptDecrypt },
        { KeySpec.Rsa2048, KeyUsageType.SignVerify },
        { KeySpec.Rsa3072, KeyUsageType.SignVerify },
        { KeySpec.Rsa4096, KeyUsageType.SignVerify },
        { KeySpec.EccNistP256, KeyUsageType.SignVerify },
        { KeySpec.EccNistP384, KeyUsageType.SignVerify },
        { KeySpec.EccNistP521, KeyUsageType.SignVerify },
        { KeySpec.EccSecgP256K1, KeyUsageType.SignVerify },
        { KeySpec.EccNistP256, KeyUsageType.KeyAgreement },
        { KeySpec.EccNistP384, KeyUsageType.KeyAgreement },
        { KeySpec.EccNistP521, KeyUsageType.KeyAgreement },
        { KeySpec.EccNistEdwards25519, KeyUsageType.SignVerify },
        { KeySpec.MlDsa44, KeyUsageType.SignVerify },
        { KeySpec.MlDsa65, KeyUsageType.SignVerify },
        { KeySpec.MlDsa87, KeyUsageType.SignVerify },
        { KeySpec.Hmac224, KeyUsageType.GenerateVerifyMac },
        { KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac },
        { KeySpec.Hmac384, KeyUsageType.GenerateVerifyMac },
        { KeySpec.Hmac512, KeyUsageType.GenerateVerifyMac },
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public async Task Replicated_CryptoInterchangeableAcrossRegions(KeySpec spec, KeyUsageType usage)
    {
        var primary = await Cluster[East].CreateAsync(spec, usage, multiRegion: true);
        await Cluster.ReplicateAsync(East, primary.KeyId, West, Sydney);
        foreach (var region in Regions)
        {
            var replica = await Cluster.DescribeAsync(region, primary.KeyId);
            Assert.Equal(spec, replica.KeySpec);
            Assert.Equal(usage, replica.KeyUsage);
            Assert.Equal(primary.SigningAlgorithms, replica.SigningAlgorithms);
            Assert.Equal(primary.EncryptionAlgorithms, replica.EncryptionAlgorithms);
        }

        switch (usage)
        {
            case KeyUsageType.EncryptDecrypt:
                await EncryptEverywhereDecryptEverywhereAsync(primary);
                break;
            case KeyUsageType.SignVerify:
                await SignEverywhereVerifyEverywhereAsync(primary);
                break;
            case KeyUsageType.GenerateVerifyMac:
                await MacsIdenticalEverywhereAsync(primary);
                break;
            default:
                await SameSharedSecretEverywhereAsync(primary);
                break;
        }
    }

    private async Task EncryptEverywhereDecryptEverywhereAsync(KeyMetadata key)
    {
        var algorithm = key.EncryptionAlgorithms[^1];
        foreach (var from in Regions)
        {
            var ciphertext = (await Cluster.Kms(from).EncryptAsync(new EncryptRequest
            {
                KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8(from), EncryptionAlgorithm = algorithm,
            }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).CiphertextBlob;
            foreach (var to in Regions)
            {
                var plaintext = await Cluster.Kms(to).DecryptAsync(new DecryptRequest
                {
                    KeyId = key.KeyId, CiphertextBlob = ciphertext, EncryptionAlgorithm = algorithm,
                }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
                Assert.Equal(from, plaintext.Plaintext.ToStringUtf8());
            }
        }
    }

    private async Task SignEverywhereVerifyEverywhereAsync(KeyMetadata key)
    {
        var publicKeys = new List<ByteString>();
        foreach (var region in Regions)
        {
            publicKeys.Add((await Cluster.Kms(region).GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)
                .ResponseAsync.WithTimeout()).PublicKey);
        }

        Assert.All(publicKeys, k => Assert.Equal(publicKeys[0], k));
        var algorithm = key.SigningAlgorithms[0];
        var message = ByteString.CopyFromUtf8("the same signature key in every Region");
        foreach (var from in Regions)
        {
            var signature = (await Cluster.Kms(from).SignAsync(new SignRequest
            {
                KeyId = key.KeyId, Message = message, MessageType = MessageType.Raw, SigningAlgorithm = algorithm,
            }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).Signature;
            foreach (var to in Regions)
            {
                var verified = await Cluster.Kms(to).VerifyAsync(new VerifyRequest
                {
                    KeyId = key.KeyId, Message = message, MessageType = MessageType.Raw, Signature = signature, SigningAlgorithm = algorithm,
                }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
                Assert.True(verified.SignatureValid);
            }
        }
    }

    private async Task MacsIdenticalEverywhereAsync(KeyMetadata key)
    {
        var algorithm = key.MacAlgorithms[0];
        var message = ByteString.CopyFromUtf8("a MAC is the same in every Region");
        var macs = new List<ByteString>();
        foreach (var region in Regions)
        {
            macs.Add((await Cluster.Kms(region).GenerateMacAsync(new GenerateMacRequest { KeyId = key.KeyId, Message = message, MacAlgorithm = algorithm },
                deadline: Deadline.Soon).ResponseAsync.WithTimeout()).Mac);
        }

        Assert.All(macs, m => Assert.Equal(macs[0], m));
        foreach (var region in Regions)
        {
            var verified = await Cluster.Kms(region).VerifyMacAsync(new VerifyMacRequest
            {
                KeyId = key.KeyId, Message = message, Mac = macs[0], MacAlgorithm = algorithm,
            }, deadline: Deadline.Soon).ResponseAsync.WithTimeout();
            Assert.True(verified.MacValid);
        }
    }

    private async Task SameSharedSecretEverywhereAsync(KeyMetadata key)
    {
        // The peer: another key-agreement key on the same curve, single-Region, whose public key any party could hold.
        var peer = await Cluster[West].CreateAsync(key.KeySpec, KeyUsageType.KeyAgreement);
        var peerPublic = (await Cluster.Kms(West).GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = peer.KeyId }, deadline: Deadline.Soon)
            .ResponseAsync.WithTimeout()).PublicKey;
        var secrets = new List<ByteString>();
        foreach (var region in Regions)
        {
            secrets.Add((await Cluster.Kms(region).DeriveSharedSecretAsync(new DeriveSharedSecretRequest
            {
                KeyId = key.KeyId, KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.Ecdh, PublicKey = peerPublic,
            }, deadline: Deadline.Soon).ResponseAsync.WithTimeout()).SharedSecret);
        }

        Assert.All(secrets, s => Assert.Equal(secrets[0], s));
        Assert.False(secrets[0].IsEmpty);
    }
}
