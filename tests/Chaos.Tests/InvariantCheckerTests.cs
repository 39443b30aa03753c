using Google.Protobuf;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>
/// The checker itself, against a real cluster and a ledger that claims more than the cluster holds: each kind of loss
/// must be reported, or a clean chaos run would prove nothing.
/// </summary>
public sealed class InvariantCheckerTests
{
    [Fact]
    public async Task ReportsEveryKindOfLoss()
    {
        var folder = Directory.CreateTempSubdirectory("mrk-checker-").FullName;
        try
        {
            await using var cluster = await ChaosCluster.StartAsync(folder, CancellationToken.None).WithTimeout(TimeSpan.FromMinutes(2));
            var east = cluster.Client(ChaosCluster.Regions[0]);
            var key = (await east.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }).WithTimeout()).KeyMetadata.KeyId;
            await east.CallAsync((kms, o) => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = key, ReplicaRegion = ChaosCluster.Regions[1] }, o)).WithTimeout();
            var plaintext = new byte[32];
            Random.Shared.NextBytes(plaintext);
            var blob = (await east.EncryptAsync(new EncryptRequest { KeyId = key, Plaintext = ByteString.CopyFrom(plaintext) }).WithTimeout()).CiphertextBlob.ToByteArray();

            var ledger = new Ledger();
            var set = new KeySet(key, SetKind.Symmetric, ChaosCluster.Regions[0]) { AcknowledgedRotations = 2 };
            set.AddReplica(ChaosCluster.Regions[1]);
            set.AddReplica(ChaosCluster.Regions[2]);
            ledger.Sets[key] = set;
            ledger.Ciphertexts.Add(new Ciphertext(1, key, ChaosCluster.Regions[0], plaintext, blob, []));
            var flipped = blob.ToArray();
            flipped[^20] ^= 1;
            ledger.Ciphertexts.Add(new Ciphertext(1, key, ChaosCluster.Regions[0], plaintext, flipped, []));
            ledger.Aliases.Add(new Alias(ChaosCluster.Regions[0], "alias/never-made", key));
            ledger.CountAcknowledged(ChaosCluster.Regions[0], "CreateKey", key);
            ledger.CountAcknowledged(ChaosCluster.Regions[0], "RotateKeyOnDemand", key);
            ledger.Secrets.Add(plaintext);
            await File.WriteAllBytesAsync(Path.Combine(cluster.ControlPlaneData, "leaked.bin"), [.. new byte[7], .. plaintext, .. new byte[5]]);

            var figures = new RunFigures();
            using var history = new History(Path.Combine(folder, "history.jsonl"), 0, new Dictionary<string, object?>());
            var checker = new InvariantChecker(cluster, ledger, history, figures);
            var everything = ledger.Sets.Values.ToList();
            Assert.True(await checker.SettleAsync(everything, CancellationToken.None).WithTimeout(TimeSpan.FromMinutes(2)));
            await checker.CheckAsync(null, everything, final: true, CancellationToken.None).WithTimeout(TimeSpan.FromMinutes(2));

            var violations = string.Join("\n", figures.Violations);
            Assert.Contains($"acknowledged keys and replicas exist: {key}: missing in [{ChaosCluster.Regions[2]}]", violations, StringComparison.Ordinal);
            Assert.Contains("acknowledged rotations exist", violations, StringComparison.Ordinal);
            Assert.Contains("acknowledged ciphertext decrypts in every Region of its set", violations, StringComparison.Ordinal);
            Assert.Contains("alias/never-made", violations, StringComparison.Ordinal);
            Assert.Contains($"RotateKeyOnDemand {key}: 0 records, 1 acknowledged", violations, StringComparison.Ordinal);
            Assert.Contains("no plaintext in any file of the cluster: controlplane/leaked.bin", violations, StringComparison.Ordinal);
            // What did happen passes: the real ciphertext decrypts in both Regions, CreateKey was audited once.
            Assert.Equal(2, figures.Violations.Count(v => v.Contains("decrypt", StringComparison.Ordinal)));
            Assert.DoesNotContain("CreateKey", violations, StringComparison.Ordinal);
            Assert.DoesNotContain("exactly one primary", violations, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
