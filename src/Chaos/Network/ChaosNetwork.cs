namespace Grpc.Mrk.Chaos.Network;

/// <summary>Where a chaos cluster's processes talk to each other.</summary>
public enum ChaosNetwork
{
    /// <summary>All on 127.0.0.1; partitions only through the proxies.</summary>
    Loopback,

    /// <summary>Each process in a network namespace of its own; partitions also as iptables rules (needs root).</summary>
    Namespaces,
}
