using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Api;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Replication;
using Microsoft.Extensions.Options;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// Runs the pure code of the replication and key-describing paths once, on made-up keys and messages, right after the
/// node starts: the runtime compiles a method the first time it runs, and a process seconds old otherwise pays for
/// thousands of them inside its first replication and its first look at a new replica. Nothing here reads or writes the
/// store, the audit log, the outbox or the network, and no key it makes holds material: each step works on values it
/// builds itself and throws them away. Off with <c>--warm-up false</c>.
/// </summary>
public sealed class CodePathWarmUp(IOptions<RegionNodeOptions> options, RegionIdentity region, ILogger<CodePathWarmUp> logger) : BackgroundService
{
    /// <summary>Every protobuf file whose messages a Region reads or writes: the key API, the relay and the replication payloads.</summary>
    private static readonly FileDescriptor[] Files =
    [
        V1.KeyManagementServiceReflection.Descriptor, V1.KeysReflection.Descriptor, V1.CryptoReflection.Descriptor,
        V1.MultiRegionReflection.Descriptor, V1.RotationReflection.Descriptor, V1.AliasesTagsPoliciesReflection.Descriptor,
        V1.GrantsReflection.Descriptor, V1.ImportsReflection.Descriptor, V1.AuditReflection.Descriptor,
        RelayReflection.Descriptor, ReplicationReflection.Descriptor,
    ];

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WarmUp)
        {
            return Task.CompletedTask;
        }

        // Off the thread that starts the host, at a priority below the calls it is there to speed up.
        return Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Runs every step once; returns the names of the steps that failed (logged, and otherwise harmless).</summary>
    public IReadOnlyList<string> Run(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        var failed = new List<string>();
        var steps = 0;
        foreach (var (name, step) in Steps())
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return failed;
            }

            try
            {
                step();
                steps++;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A warm-up that fails costs only the speed it was for; the node serves as it would have without it.
                failed.Add(name);
                Log.WarmUpStepFailed(logger, name, e.Message);
            }
        }

        Log.WarmedUp(logger, steps, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return failed;
    }

    private IEnumerable<(string Name, Action Step)> Steps()
    {
        yield return ("protobuf messages", () => MessageWarmUp.RoundTrip(Files));
        var keys = MadeUpKeys().ToList();
        yield return ("key metadata", () =>
        {
            foreach (var key in keys)
            {
                _ = KeyMetadataMapper.ToMetadata(key, region).ToByteArray();
            }
        });
        yield return ("replication payloads", () =>
        {
            foreach (var message in MadeUpMessages(keys))
            {
                var wire = ReplicationCodec.Encode(message);
                _ = ReplicationCodec.Decode(wire.Descriptor.FullName, wire.ToByteString(), "warm-up");
            }
        });
        yield return ("envelope signatures", SignAndVerifyAnEnvelope);
    }

    /// <summary>A single-Region key, a multi-Region primary with two replicas and one of its replicas; no material.</summary>
    private IEnumerable<KmsKey> MadeUpKeys()
    {
        var now = DateTimeOffset.UnixEpoch;
        var keyId = "mrk-00000000000000000000000000000000";
        var others = new[] { "warm-up-east-1", "warm-up-west-1" };
        IEnumerable<KeyMaterialVersion> Materials() => [new KeyMaterialVersion(new string('0', 64), 0, now, null, KeyMaterialState.CURRENT, null)];
        KmsKey Key(string id, string inRegion, MultiRegionInfo? multiRegion) => new(id, region.KeyArnIn(inRegion, id), now, KeySpec.SYMMETRIC_DEFAULT,
            KeyUsage.ENCRYPT_DECRYPT, KeyOrigin.AWS_KMS, KeyState.Enabled, "warm-up", KeyPolicies.DefaultPolicy(region), [new Tag("warm", "up")],
            multiRegion, Materials());

        yield return Key("00000000-0000-0000-0000-000000000000", region.Region, null);
        yield return Key(keyId, region.Region, new MultiRegionInfo(region.Region, others, 1, 1));
        yield return Key(keyId, others[0], new MultiRegionInfo(region.Region, others, 1, 1));
    }

    private static IEnumerable<ReplicationMessage> MadeUpMessages(List<KmsKey> keys)
    {
        var state = keys[1].Shared();
        yield return new CreateReplicaMessage(state, new ReplicaCreation("warm-up", keys[1].Policy, keys[1].Tags));
        yield return new SharedStateMessage(state);
        yield return new KeyRequestMessage(new byte[97]);
        yield return new SyncAckMessage(1, 1, [new string('0', 64)], KeyState.Enabled);
        yield return new PromoteMessage(state);
        yield return new ReplicaDeletedMessage(1, 1);
    }

    private static void SignAndVerifyAnEnvelope()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var envelope = new Envelope { MessageId = "warm-up", SourceRegion = "warm-up-east-1", DestinationRegion = "warm-up-west-1",
            SentAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch), Kind = SyncAck.Descriptor.FullName };
        EnvelopeSigning.Sign(envelope, key);
        if (!EnvelopeSigning.Verify(Envelope.Parser.ParseFrom(envelope.ToByteArray()), key))
        {
            throw new CryptographicException("an envelope signed here did not verify");
        }
    }
}
