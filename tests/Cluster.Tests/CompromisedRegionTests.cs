using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Sydney's host is compromised: the attacker has its TLS certificate and its replication signing key, and speaks to
/// the real ControlPlane as Sydney. Every forged sequence reaches the victims East and West with a valid signature, and
/// each is refused there, audited as a refused internal event, and changes nothing; no material leaves for Sydney; a
/// well-signed envelope that does not decode is set aside and the link moves on.
/// </summary>
public sealed class CompromisedRegionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ForgedSequencesFromARealRegion_RefusedAuditedAndNoMaterialLeaves()
    {
        await using var cluster = await StartAsync(output);
        var onlyWest = await MultiRegionKeyAsync(cluster);
        await cluster.ReplicateAsync(East, onlyWest, West);
        var withSydney = await MultiRegionKeyAsync(cluster);
        await cluster.ReplicateAsync(East, withSydney, West, Sydney);
        var ciphertext = await cluster.EncryptAsync(East, onlyWest, "still ours");
        await cluster.QuiescentAsync();

        // From here on Sydney is the attacker's: the real node is gone, its certificates are not.
        await cluster.KillRegionAsync(Sydney);
        using var attacker = new RelayAdversary(cluster.ControlPlane!.Endpoint, cluster.Certificates, Sydney, firstSequence: (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        var requestKey = ByteString.CopyFrom(ephemeral.PublicKey.ExportSubjectPublicKeyInfo());
        SharedState Claim(string keyId, long epoch, params HandOff[] handOffs) => new()
        {
            Epoch = epoch, SyncVersion = 1000, PrimaryRegion = Sydney, ReplicaRegions = { East, West }, KeySpec = "SYMMETRIC_DEFAULT",
            KeyUsage = "ENCRYPT_DECRYPT", Origin = "AWS_KMS", HandOffs = { handOffs },
        };

        // The attacker publishes a transport prekey and asks for the victims': anything they sealed for Sydney by
        // mistake would be sealed with it, and show in what Sydney is delivered.
        var prekeys = new TransportPrekeys { SendYours = true };
        prekeys.Prekeys.Add(new TransportPrekey
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), PublicKey = requestKey,
            ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(30)),
        });
        var forgeries = new List<Envelope>
        {
            attacker.Envelope(East, string.Empty, prekeys),
            attacker.Envelope(West, string.Empty, prekeys),
            // Epoch takeover: Sydney names itself primary of epoch 2, with no hand-off and with one it signed itself.
            attacker.Envelope(East, onlyWest, Claim(onlyWest, 2)),
            attacker.Envelope(West, onlyWest, Claim(onlyWest, 2)),
            attacker.Envelope(East, onlyWest, Claim(onlyWest, 2, attacker.HandOff(onlyWest, 2, East, Sydney))),
            attacker.Envelope(East, withSydney, Claim(withSydney, 2, attacker.HandOff(withSydney, 2, Sydney, Sydney))),
            // Shared state within East's epoch, from a Region that is not its primary.
            attacker.Envelope(West, onlyWest, Claim(onlyWest, 1)),
            // Key requests for a key never replicated to Sydney, to the primary and to a replica.
            attacker.Envelope(East, onlyWest, new KeyRequest { PublicKey = requestKey }),
            attacker.Envelope(West, onlyWest, new KeyRequest { PublicKey = requestKey }),
            // A promotion West never got from the primary, and a replica East never asked for.
            attacker.Envelope(West, onlyWest, new Promote { State = WithPrimary(Claim(onlyWest, 2, attacker.HandOff(onlyWest, 2, Sydney, West)), West) }),
            attacker.Envelope(East, onlyWest, new CreateReplica { State = WithPrimary(Claim(onlyWest, 1), East), Description = "forged" }),
            // A transfer nobody asked Sydney for.
            attacker.Envelope(West, onlyWest, new KeyTransfer { RequestMessageId = "0123456789abcdef", SourcePublicKey = requestKey, Epoch = 9, SyncVersion = 9 }),
        };
        await attacker.SendAsync(forgeries);

        // Each victim records a refusal for each forgery aimed at it that it could judge.
        var eastRefusals = await RefusalsAsync(cluster, East, 5);
        var westRefusals = await RefusalsAsync(cluster, West, 4);
        Assert.All(eastRefusals.Concat(westRefusals), r => Assert.Equal(Sydney, r.GetProperty("requestParameters").GetProperty("sourceRegion").GetString()));
        Assert.Contains(eastRefusals, r => r.GetProperty("eventName").GetString() == "ReceiveKeyRequest");
        Assert.Contains(westRefusals, r => r.GetProperty("eventName").GetString() == "ReceivePromote");

        // Nothing changed: East is primary of both keys everywhere, the key works, and West still decrypts locally.
        foreach (var keyId in new[] { onlyWest, withSydney })
        {
            foreach (var region in new[] { East, West })
            {
                var metadata = await cluster.DescribeAsync(region, keyId);
                Assert.Equal(East, metadata.MultiRegionConfiguration.PrimaryKey.Region);
                Assert.Equal(V1.KeyState.Enabled, metadata.KeyState);
            }
        }

        Assert.Equal("still ours", await cluster.DecryptTextAsync(West, ciphertext));

        // A well-signed envelope whose payload does not decode is set aside, counted, and the next one is applied.
        await attacker.SendAsync([
            attacker.Envelope(West, onlyWest, SharedState.Descriptor.FullName, ByteString.CopyFrom(0xff, 0xff, 0xff, 0x0f)),
            attacker.Envelope(West, string.Empty, new Probe { Text = "after the poison" }),
        ]);
        await Eventually.TrueAsync(async () =>
            (await cluster[West].Relay.ListProbesAsync(new Testing.V1.ListProbesRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout())
            .Probes.Any(p => p.Text == "after the poison"));
        await Eventually.TrueAsync(async () =>
            (await cluster.ControlPlane.StatusAsync(cluster.Certificates)).Regions.Single(r => r.Region == West).DeadLetters == 1);
        // The node's console logger writes from a queue of its own: the line may follow the count by a moment.
        await cluster[West].WaitForLogAsync("Set aside replication envelope");

        // What the ControlPlane holds for Sydney carries no material of the key it was never given.
        var inbox = await attacker.InboxAsync(TimeSpan.FromSeconds(3));
        Assert.DoesNotContain(inbox, e => e.Kind == KeyTransfer.Descriptor.FullName && e.KeyId == onlyWest);
        Assert.DoesNotContain(inbox, e => e.KeyId == onlyWest && e.Kind == CreateReplica.Descriptor.FullName);
        Assert.DoesNotContain(inbox, e => e.KeyId == onlyWest && e.Delivery is not null);
        Assert.Contains(inbox, e => e.Kind == TransportPrekeys.Descriptor.FullName);
    }

    private static SharedState WithPrimary(SharedState state, string primary)
    {
        var copy = state.Clone();
        copy.PrimaryRegion = primary;
        copy.ReplicaRegions.Clear();
        copy.ReplicaRegions.Add(new[] { East, West, Sydney }.Where(r => r != primary));
        return copy;
    }

    private static async Task<string> MultiRegionKeyAsync(ThreeRegionCluster cluster) =>
        (await cluster.Kms(East).CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, deadline: Deadline.Soon).ResponseAsync.WithTimeout())
        .KeyMetadata.KeyId;

    /// <summary>The Region's refused internal events (records of messages from other Regions), once at least <paramref name="atLeast"/> are there.</summary>
    private static async Task<List<JsonElement>> RefusalsAsync(ThreeRegionCluster cluster, string region, int atLeast)
    {
        var refusals = new List<JsonElement>();
        await Eventually.TrueAsync(async () =>
        {
            var listed = (ListAuditRecordsResponse)await cluster[region].Client.InvokeAsync(AuditLog.Descriptor.FindMethodByName("ListAuditRecords"),
                new ListAuditRecordsRequest { Limit = 1000 }).WithTimeout();
            refusals = listed.Records.Select(r => JsonDocument.Parse(r.Json).RootElement.Clone())
                .Where(r => r.GetProperty("eventType").GetString() == "AwsServiceEvent"
                            && r.TryGetProperty("errorCode", out var code) && code.GetString() == "AccessDeniedException")
                .ToList();
            return refusals.Count >= atLeast;
        }, TimeSpan.FromSeconds(30));
        return refusals;
    }
}
