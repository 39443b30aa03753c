using Google.Protobuf;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos.Fuzz;

/// <summary>Real keys, aliases and ciphertexts for the fuzzer to aim at (so cases reach deep code, not only parsing), and
/// the check afterwards that the cluster still does its job.</summary>
public static class FuzzTargets
{
    public static async Task<(List<string> Identifiers, List<byte[]> Blobs)> PrepareAsync(ChaosCluster cluster, CancellationToken cancellationToken)
    {
        var east = cluster.Client(ChaosCluster.Regions[0]);
        var identifiers = new List<string>();
        var blobs = new List<byte[]>();
        var shared = (await east.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, cancellationToken).ConfigureAwait(false)).KeyMetadata;
        foreach (var region in ChaosCluster.Regions.Skip(1))
        {
            await east.CallAsync((kms, o) => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = shared.KeyId, ReplicaRegion = region }, o), cancellationToken)
                .ConfigureAwait(false);
        }

        foreach (var (spec, usage) in new[]
                 {
                     (KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt), (KeySpec.Rsa2048, KeyUsageType.SignVerify), (KeySpec.EccNistP256, KeyUsageType.SignVerify),
                     (KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac), (KeySpec.Rsa2048, KeyUsageType.EncryptDecrypt), (KeySpec.EccNistP256, KeyUsageType.KeyAgreement),
                 })
        {
            foreach (var region in ChaosCluster.Regions)
            {
                var key = (await cluster.Client(region).CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = usage }, cancellationToken).ConfigureAwait(false))
                    .KeyMetadata;
                identifiers.AddRange([key.KeyId, key.Arn]);
                var alias = $"alias/fuzz-{spec}-{usage}".ToLowerInvariant().Replace('_', '-');
                await cluster.Client(region).CallAsync((kms, o) => kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }, o),
                    cancellationToken).ConfigureAwait(false);
                identifiers.AddRange([alias, key.Arn[..key.Arn.IndexOf(":key/", StringComparison.Ordinal)] + ":" + alias]);
            }
        }

        identifiers.AddRange([shared.KeyId, shared.Arn, shared.Arn.Replace(ChaosCluster.Regions[0], ChaosCluster.Regions[1], StringComparison.Ordinal)]);
        foreach (var size in new[] { 1, 32, 4096 })
        {
            var encrypted = await east.EncryptAsync(new EncryptRequest { KeyId = shared.KeyId, Plaintext = ByteString.CopyFrom(new byte[size]) }, cancellationToken)
                .ConfigureAwait(false);
            blobs.Add(encrypted.CiphertextBlob.ToByteArray());
        }

        blobs.Add(new byte[32]);
        await WaitEnabledAsync(cluster, shared.KeyId, cancellationToken).ConfigureAwait(false);
        return (identifiers, blobs);
    }

    /// <summary>After the fuzzing (which may have disabled, scheduled for deletion or re-pointed anything it was given): a new
    /// multi-Region key still replicates to every Region, and a ciphertext made in one decrypts in the others.</summary>
    public static async Task StillWorksAsync(ChaosCluster cluster, RunFigures figures, CancellationToken cancellationToken)
    {
        var east = cluster.Client(ChaosCluster.Regions[0]);
        var fresh = (await east.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, cancellationToken).ConfigureAwait(false)).KeyMetadata;
        foreach (var region in ChaosCluster.Regions.Skip(1))
        {
            await east.CallAsync((kms, o) => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = fresh.KeyId, ReplicaRegion = region }, o), cancellationToken)
                .ConfigureAwait(false);
        }

        var enabled = await WaitEnabledAsync(cluster, fresh.KeyId, cancellationToken).ConfigureAwait(false);
        figures.Check("the cluster still works after the fuzzing", enabled ? null : "a new replica did not become Enabled within 60 s");
        if (!enabled)
        {
            return;
        }

        var plaintext = ByteString.CopyFromUtf8("after the fuzzing");
        var blob = (await east.EncryptAsync(new EncryptRequest { KeyId = fresh.KeyId, Plaintext = plaintext }, cancellationToken).ConfigureAwait(false)).CiphertextBlob;
        foreach (var region in ChaosCluster.Regions)
        {
            var decrypted = (await cluster.Client(region).DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, cancellationToken).ConfigureAwait(false)).Plaintext;
            figures.Check("the cluster still works after the fuzzing", decrypted == plaintext ? null : $"{region} decrypted to different bytes");
        }
    }

    private static async Task<bool> WaitEnabledAsync(ChaosCluster cluster, string keyId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var states = new List<KeyState>();
            foreach (var region in ChaosCluster.Regions)
            {
                try
                {
                    states.Add((await cluster.Client(region).DescribeKeyAsync(keyId, cancellationToken).ConfigureAwait(false)).KeyMetadata.KeyState);
                }
                catch (MrkException e) when (e.ErrorCode == "NotFoundException")
                {
                    states.Add(KeyState.Unspecified);
                }
            }

            if (states.All(s => s == KeyState.Enabled))
            {
                return true;
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }
}
