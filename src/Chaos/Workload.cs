using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Mrk.Chaos.Clocks;
using Grpc.Mrk.Client;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// The seeded client side of a run: several workers, each drawing operations from its own seeded generator, against
/// whichever Region the draw names, while faults come and go. Only acknowledged results enter the <see cref="Ledger"/>.
/// </summary>
public sealed class Workload(ChaosCluster cluster, Ledger ledger, History history, RunFigures figures, DeletionGate? deletions = null)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(6);
    private const int BurstWorker = -1;
    private static int _created;

    private static readonly (string Name, int Weight)[] Operations =
    [
        ("CreateKey", 6), ("ReplicateKey", 8), ("Encrypt", 16), ("Sign", 5), ("GenerateMac", 5), ("RotateKeyOnDemand", 5),
        ("UpdatePrimaryRegion", 3), ("CreateAlias", 3), ("EnableKeyRotation", 2), ("ScheduleAndCancelDeletion", 2),
    ];

    /// <summary>Runs <paramref name="workers"/> workers until <paramref name="operations"/> have been attempted or time is up.</summary>
    public async Task RunAsync(int seed, int iteration, int workers, int operations, TimeSpan atMost)
    {
        using var stop = new CancellationTokenSource(atMost);
        var budget = operations;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            var random = new Random(unchecked((seed * 1_000_003) + (iteration * 101) + worker));
            while (!stop.IsCancellationRequested && Interlocked.Decrement(ref budget) >= 0)
            {
                await StepAsync(random, iteration, worker).ConfigureAwait(false);
                // Spread the operations over the iteration, so they meet the faults rather than finish before the first.
                try
                {
                    await Task.Delay(random.Next(50, 250), stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        })).ConfigureAwait(false);
    }

    private async Task StepAsync(Random random, int iteration, int worker)
    {
        var operation = Draw(random);
        var sets = ledger.Sets.Values.OrderBy(s => s.Ordinal).ToList();
        if (sets.Count < 3)
        {
            operation = "CreateKey";
        }

        var set = sets.Count == 0 ? null : sets[random.Next(sets.Count)];
        var region = ChaosCluster.Regions[random.Next(ChaosCluster.Regions.Length)];
        var (call, record) = Plan(operation, set, region, random, iteration);
        if (call is null)
        {
            return;
        }

        await ExecuteAsync(call, record, iteration, worker).ConfigureAwait(false);
    }

    /// <summary>
    /// A burst of replication work from one Region at once, as a batch forms under load: <paramref name="keys"/> new
    /// symmetric multi-Region keys, each replicated to both other Regions once created, and a rotation of each symmetric
    /// key the Region is primary for (up to as many), all in flight together. Every call is recorded like any other.
    /// </summary>
    public async Task BurstAsync(string region, int keys, Random random, int iteration)
    {
        var seeds = Enumerable.Range(0, keys).Select(_ => random.Next()).ToList();
        var rotations = ledger.Sets.Values.Where(s => s.Kind == SetKind.Symmetric && s.Primary == region)
            .OrderBy(s => s.Ordinal).Take(keys).ToList();
        var calls = seeds.Select(seed => CreateAndReplicateAsync(region, new Random(seed), iteration)).ToList();
        calls.AddRange(rotations.Select(set =>
        {
            var (call, record) = Plan("RotateKeyOnDemand", set, region, random, iteration);
            return ExecuteAsync(call!, record, iteration, BurstWorker);
        }));
        await Task.WhenAll(calls).ConfigureAwait(false);
    }

    private async Task CreateAndReplicateAsync(string region, Random random, int iteration)
    {
        KeySet? created = null;
        var (create, createRecord) = PlanCreate(SetKind.Symmetric, region, set => created = set);
        await ExecuteAsync(create, createRecord, iteration, BurstWorker).ConfigureAwait(false);
        for (var replica = 0; created is not null && replica < ChaosCluster.Regions.Length - 1; replica++)
        {
            if (Plan("ReplicateKey", created, region, random, iteration) is ({ } call, var record))
            {
                await ExecuteAsync(call, record, iteration, BurstWorker).ConfigureAwait(false);
            }
        }
    }

    private async Task ExecuteAsync(Call call, Record record, int iteration, int worker)
    {
        var target = record.Region;
        Outcome outcome;
        string? error = null;
        try
        {
            using var timeout = new CancellationTokenSource(CallTimeout);
            await call(cluster.Client(target), timeout.Token).ConfigureAwait(false);
            outcome = Outcome.Acknowledged;
        }
        catch (Exception e) when (e is MrkException or OperationCanceledException or HttpRequestException or Grpc.Core.RpcException)
        {
            (outcome, error) = Outcomes.Of(e);
        }

        figures.Operation(record.Event, outcome);
        figures.Check("no call answered INTERNAL or UNKNOWN", outcome == Outcome.Internal ? $"{record.Event} in {target}: {error}" : null);
        if (record.Management && record.KeyId is not null)
        {
            if (outcome == Outcome.Acknowledged)
            {
                ledger.CountAcknowledged(target, record.Event, record.KeyId);
            }
            else if (outcome == Outcome.Unanswered)
            {
                ledger.CountUnanswered(target, record.Event, record.KeyId);
            }
        }

        // A Region whose store is about to go back to a backup may lose what it acknowledges now: no expectation is added.
        if (outcome == Outcome.Acknowledged && !ledger.IsUncertain(target))
        {
            record.OnAcknowledged?.Invoke();
        }

        history.Write("op", new Dictionary<string, object?>
        {
            ["iteration"] = iteration, ["worker"] = worker == BurstWorker ? "burst" : worker, ["op"] = record.Event, ["region"] = target, ["key"] = record.KeyId,
            ["outcome"] = outcome.ToString(), ["error"] = error, ["detail"] = record.Detail,
        });
    }

    /// <summary>Runs an action when disposed: leaving the <see cref="DeletionGate"/> however the call ends.</summary>
    private sealed class Leave(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private sealed record Record(string Event, string Region, string? KeyId, bool Management, string? Detail = null, Action? OnAcknowledged = null);

    private delegate Task Call(MrkClient client, CancellationToken cancellationToken);

    private static string Draw(Random random)
    {
        var total = Operations.Sum(o => o.Weight);
        var pick = random.Next(total);
        foreach (var (name, weight) in Operations)
        {
            if ((pick -= weight) < 0)
            {
                return name;
            }
        }

        return Operations[0].Name;
    }

    private (Call? Call, Record Record) Plan(string operation, KeySet? set, string region, Random random, int iteration)
    {
        switch (operation)
        {
            case "CreateKey":
                return PlanCreate((SetKind)random.Next(3), region);

            case "ReplicateKey" when set is not null:
            {
                var missing = ChaosCluster.Regions.Where(r => !set.Regions.Contains(r)).ToList();
                if (missing.Count == 0)
                {
                    return (null, new Record(operation, region, set.KeyId, true));
                }

                var target = missing[random.Next(missing.Count)];
                return ((client, ct) => client.CallAsync((kms, o) => kms.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = set.KeyId, ReplicaRegion = target }, o), ct),
                    new Record(operation, set.Primary, set.KeyId, true, target, () => set.AddReplica(target)));
            }

            case "Encrypt" when set is { Kind: SetKind.Symmetric }:
            {
                var at = Holder(set, random);
                var plaintext = Secret(random, random.Next(1, 600));
                var context = new Dictionary<string, string> { ["chaos"] = random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) };
                var request = new EncryptRequest { KeyId = set.KeyId, Plaintext = ByteString.CopyFrom(plaintext) };
                request.EncryptionContext.Add(context);
                byte[]? blob = null;
                return (async (client, ct) => blob = (await client.EncryptAsync(request, ct).ConfigureAwait(false)).CiphertextBlob.ToByteArray(),
                    new Record(operation, at, set.KeyId, false, null, () => ledger.Ciphertexts.Add(new Ciphertext(iteration, set.KeyId, at, plaintext, blob!, context))));
            }

            case "Sign" when set is { Kind: SetKind.Signing }:
            {
                var at = Holder(set, random);
                var message = Secret(random, random.Next(1, 300));
                var request = new SignRequest
                {
                    KeyId = set.KeyId, Message = ByteString.CopyFrom(message), MessageType = MessageType.Raw, SigningAlgorithm = SigningAlgorithmSpec.EcdsaSha256,
                };
                byte[]? signature = null;
                return (async (client, ct) => signature = (await client.SignAsync(request, ct).ConfigureAwait(false)).Signature.ToByteArray(),
                    new Record(operation, at, set.KeyId, false, null, () => ledger.Signatures.Add(new Signature(iteration, set.KeyId, at, message, signature!))));
            }

            case "GenerateMac" when set is { Kind: SetKind.Mac }:
            {
                var at = Holder(set, random);
                var message = Secret(random, random.Next(1, 300));
                var request = new GenerateMacRequest { KeyId = set.KeyId, Message = ByteString.CopyFrom(message), MacAlgorithm = MacAlgorithmSpec.HmacSha256 };
                byte[]? mac = null;
                return (async (client, ct) => mac = (await client.CallAsync((kms, o) => kms.GenerateMacAsync(request, o), ct).ConfigureAwait(false)).Mac.ToByteArray(),
                    new Record(operation, at, set.KeyId, false, null, () => ledger.Macs.Add(new Mac(iteration, set.KeyId, at, message, mac!))));
            }

            case "RotateKeyOnDemand" when set is { Kind: SetKind.Symmetric }:
                return ((client, ct) => client.CallAsync((kms, o) => kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = set.KeyId }, o), ct),
                    new Record(operation, set.Primary, set.KeyId, true, null, () =>
                    {
                        lock (set)
                        {
                            set.AcknowledgedRotations++;
                        }
                    }));

            case "UpdatePrimaryRegion" when set is not null && set.AcknowledgedReplicas.Count > 0:
            {
                var candidates = set.Regions.Where(r => r != set.Primary).ToList();
                var target = candidates[random.Next(candidates.Count)];
                var from = set.Primary;
                return ((client, ct) => client.CallAsync((kms, o) => kms.UpdatePrimaryRegionAsync(new UpdatePrimaryRegionRequest { KeyId = set.KeyId, PrimaryRegion = target }, o), ct),
                    new Record(operation, from, set.KeyId, true, target, () => set.Primary = target));
            }

            case "CreateAlias" when set is not null:
            {
                var at = Holder(set, random);
                var name = $"alias/chaos-{random.NextInt64():x16}";
                return ((client, ct) => client.CallAsync((kms, o) => kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = set.KeyId }, o), ct),
                    new Record(operation, at, set.KeyId, true, name, () => ledger.Aliases.Add(new Alias(at, name, set.KeyId))));
            }

            case "EnableKeyRotation" when set is { Kind: SetKind.Symmetric }:
            {
                var days = random.Next(90, 2561);
                return ((client, ct) => client.CallAsync((kms, o) => kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = set.KeyId, RotationPeriodInDays = days }, o), ct),
                    new Record(operation, set.Primary, set.KeyId, true, days.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            case "ScheduleAndCancelDeletion" when set is not null && set.AcknowledgedReplicas.Count > 0:
            {
                // Only replicas, and always cancelled (the checker cancels what a fault interrupted), so no acknowledged
                // material is ever meant to disappear.
                var replicas = set.AcknowledgedReplicas.Where(r => r != set.Primary).ToList();
                if (replicas.Count == 0)
                {
                    return (null, new Record(operation, region, set.KeyId, true));
                }

                var at = replicas[random.Next(replicas.Count)];
                if (deletions is not null && !deletions.TryEnter(at))
                {
                    return (null, new Record(operation, region, set.KeyId, true));
                }

                // Each step counts for the audit check on its own: one can succeed and the next be refused (another
                // worker's schedule-and-cancel of the same replica interleaved), and the audit log holds what succeeded.
                return (async (client, ct) =>
                {
                    using var leave = deletions is null ? null : new Leave(() => deletions.Exit(at));
                    await CountedAsync(at, "ScheduleKeyDeletion", set.KeyId, () => client.CallAsync((kms, o) => kms.ScheduleKeyDeletionAsync(
                        new ScheduleKeyDeletionRequest { KeyId = set.KeyId, PendingWindowInDays = 7 }, o), ct)).ConfigureAwait(false);
                    await CountedAsync(at, "CancelKeyDeletion", set.KeyId, () => client.CallAsync((kms, o) => kms.CancelKeyDeletionAsync(
                        new CancelKeyDeletionRequest { KeyId = set.KeyId }, o), ct)).ConfigureAwait(false);
                    await CountedAsync(at, "EnableKey", set.KeyId, () => client.CallAsync((kms, o) => kms.EnableKeyAsync(
                        new EnableKeyRequest { KeyId = set.KeyId }, o), ct)).ConfigureAwait(false);
                }, new Record("ScheduleKeyDeletion", at, set.KeyId, Management: false));
            }

            default:
                return (null, new Record(operation, region, set?.KeyId, false));
        }
    }

    private (Call Call, Record Record) PlanCreate(SetKind kind, string region, Action<KeySet>? then = null)
    {
        var request = new CreateKeyRequest { MultiRegion = true, Description = $"chaos {kind}" };
        (request.KeySpec, request.KeyUsage) = kind switch
        {
            SetKind.Signing => (KeySpec.EccNistP256, KeyUsageType.SignVerify),
            SetKind.Mac => (KeySpec.Hmac256, KeyUsageType.GenerateVerifyMac),
            _ => (KeySpec.SymmetricDefault, KeyUsageType.EncryptDecrypt),
        };
        string? created = null;
        return (async (client, ct) => created = (await client.CreateKeyAsync(request, ct).ConfigureAwait(false)).KeyMetadata.KeyId,
            new Record("CreateKey", region, null, Management: true, kind.ToString(), () =>
            {
                var set = ledger.Sets[created!] = new KeySet(created!, kind, region) { Ordinal = Interlocked.Increment(ref _created) };
                ledger.CountAcknowledged(region, "CreateKey", created!);
                then?.Invoke(set);
            }));
    }

    /// <summary>One management call of an operation made of several, counted as acknowledged or unanswered by itself.</summary>
    private async Task CountedAsync<T>(string region, string eventName, string keyId, Func<Task<T>> call)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (Exception e) when ((e is MrkException or OperationCanceledException or HttpRequestException or Grpc.Core.RpcException)
                                  && Outcomes.Of(e).Outcome == Outcome.Unanswered)
        {
            ledger.CountUnanswered(region, eventName, keyId);
            throw;
        }

        ledger.CountAcknowledged(region, eventName, keyId);
    }

    /// <summary>A Region acknowledged to hold the set (the creator or an acknowledged replica).</summary>
    private static string Holder(KeySet set, Random random)
    {
        var regions = set.Regions;
        return regions[random.Next(regions.Count)];
    }

    private byte[] Secret(Random random, int length)
    {
        var bytes = new byte[Math.Max(length, 16)];
        random.NextBytes(bytes);
        ledger.Secrets.Add(bytes);
        return bytes;
    }
}
