using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grpc.Mrk.Cli;

/// <summary>
/// Where the Regions of a cluster are, for `--region` addressing: a JSON file that `scripts/run-local.sh` writes to
/// .mrk/cluster.json (operators can write one for any cluster). Found through --cluster-file, $MRK_CLUSTER_FILE, or
/// .mrk/cluster.json in the current folder.
/// </summary>
public sealed record LocalClusterFile(
    [property: JsonPropertyName("controlPlane")] string? ControlPlane,
    [property: JsonPropertyName("certificates")] string? Certificates,
    [property: JsonPropertyName("caBundle")] string? CaBundle,
    [property: JsonPropertyName("apiKey")] string? ApiKey,
    [property: JsonPropertyName("regions")] Dictionary<string, string> Regions)
{
    public const string Variable = "MRK_CLUSTER_FILE";
    public const string DefaultPath = ".mrk/cluster.json";

    /// <summary>The file named explicitly, or the default one if it exists; null when there is none.</summary>
    public static LocalClusterFile? Load(string? path)
    {
        var explicitPath = path ?? Environment.GetEnvironmentVariable(Variable);
        var chosen = explicitPath ?? DefaultPath;
        if (explicitPath is null && !File.Exists(chosen))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(chosen), ClusterFileJson.Default.LocalClusterFile)
                ?? throw new CliUsageException($"cluster file {chosen} is empty");
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"cluster file {chosen} is not valid: {e.Message}");
        }
    }

    public string EndpointOf(string region) =>
        Regions.TryGetValue(region, out var endpoint)
            ? endpoint
            : throw new CliUsageException($"the cluster file lists no Region {region} (it has: {string.Join(", ", Regions.Keys)})");
}

[JsonSerializable(typeof(LocalClusterFile))]
internal sealed partial class ClusterFileJson : JsonSerializerContext;
