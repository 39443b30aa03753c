using Grpc.Mrk.Chaos.Network;

namespace Grpc.Mrk.Chaos;

/// <summary>How long and how hard a chaos run goes. Every loop is bounded by these counts and by <see cref="MaxDuration"/>.</summary>
public sealed record ChaosSettings
{
    public int Seed { get; init; } = 1;

    public int Iterations { get; init; } = 20;

    /// <summary>Operations attempted per iteration (all workers together).</summary>
    public int OperationsPerIteration { get; init; } = 40;

    public int Workers { get; init; } = 4;

    /// <summary>Upper bound of one iteration's workload phase (faults run during it).</summary>
    public TimeSpan IterationTime { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>The whole run stops starting new iterations after this long.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Loopback, or each process in its own network namespace (adds iptables partitions; needs root).</summary>
    public ChaosNetwork Network { get; init; } = ChaosNetwork.Loopback;

    /// <summary>
    /// Three ControlPlane replicas on a three-server NATS JetStream log instead of one ControlPlane (loopback only): adds
    /// the faults that kill a replica, kill a log server and cut a log server off from the others.
    /// </summary>
    public bool ReplicatedRelay { get; init; }

    /// <summary>Where the cluster's data, logs and the history go; a new temporary folder when null.</summary>
    public string? Folder { get; init; }

    /// <summary>The fault kinds drawn from (<see cref="Nemesis.Kinds"/>); every one the network allows when null.</summary>
    public IReadOnlyList<string>? Faults { get; init; }

    /// <summary>Keep the folder even when nothing was violated.</summary>
    public bool Keep { get; init; }

    public IReadOnlyDictionary<string, object?> Describe() => new Dictionary<string, object?>
    {
        ["iterations"] = Iterations, ["operationsPerIteration"] = OperationsPerIteration, ["workers"] = Workers,
        ["iterationSeconds"] = IterationTime.TotalSeconds, ["maxMinutes"] = MaxDuration.TotalMinutes, ["network"] = Network.ToString(),
        ["relay"] = ReplicatedRelay ? "replicated" : "single",
        ["faults"] = Faults is null ? "all" : string.Join(",", Faults),
    };
}
