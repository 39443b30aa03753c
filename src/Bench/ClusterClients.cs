using System.Text.Json;
using Grpc.Mrk.Client;

namespace Grpc.Mrk.Bench;

/// <summary>A client for the primary Region and one per replica Region, from a cluster file.</summary>
public sealed class ClusterClients : IDisposable
{
    private ClusterClients(string primaryRegion, MrkClient primary, Dictionary<string, MrkClient> replicas)
    {
        PrimaryRegion = primaryRegion;
        Primary = primary;
        Replicas = replicas;
    }

    public string PrimaryRegion { get; }

    public MrkClient Primary { get; }

    public IReadOnlyDictionary<string, MrkClient> Replicas { get; }

    /// <summary>Reads <paramref name="clusterFile"/>; replicas are <paramref name="replicaList"/> (comma-separated) or every other Region in it.</summary>
    public static ClusterClients Open(string clusterFile, string primary, string? replicaList)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(clusterFile));
        var root = document.RootElement;
        var ca = root.TryGetProperty("caBundle", out var bundle) ? bundle.GetString() : null;
        var endpoints = root.GetProperty("regions").EnumerateObject().ToDictionary(p => p.Name, p => new Uri(p.Value.GetString()!));
        var replicaNames = replicaList?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            ?? [.. endpoints.Keys.Where(r => r != primary)];
        MrkClient Connect(string name) => new(
            endpoints.TryGetValue(name, out var uri) ? uri : throw new ArgumentException($"{name} is not in {clusterFile}"),
            new MrkClientOptions
            {
                MaxRetries = 0, MaxThrottleRetries = 0, Timeout = TimeSpan.FromSeconds(30), CertificateAuthorityFile = ca, Region = name,
                ApiKey = Environment.GetEnvironmentVariable("MRK_API_KEY"),
            });
        return new ClusterClients(primary, Connect(primary), replicaNames.ToDictionary(r => r, Connect));
    }

    public void Dispose()
    {
        Primary.Dispose();
        foreach (var replica in Replicas.Values)
        {
            replica.Dispose();
        }
    }
}
