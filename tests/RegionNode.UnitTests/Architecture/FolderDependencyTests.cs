using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Architecture;

/// <summary>
/// The folders of each server assembly and of the domain, and which may use which, checked against what the compiled
/// code actually uses (<see cref="CompiledDependencies"/>). A new use across folders fails here until it is added to
/// the table on purpose; a cycle fails whatever the table says.
/// </summary>
public sealed class FolderDependencyTests
{
    private static readonly Dictionary<string, string[]> RegionNodeLayers = new(StringComparer.Ordinal)
    {
        // The composition root: it wires everything and nothing uses it.
        ["Hosting"] = ["Api", "Audit", "Background", "Crypto", "Replication", "Storage", "Telemetry", "Testing"],
        // Storage: an operator's backup is a copy of the store itself, with no domain rule to go through.
        ["Api"] = ["Audit", "Storage", "Telemetry"],
        ["Audit"] = ["Crypto", "Storage"],
        ["Replication"] = ["Audit", "Crypto", "Storage", "Telemetry"],
        ["Telemetry"] = ["Audit", "Storage"],
        ["Testing"] = ["Replication"],
        ["Background"] = ["Audit", "Telemetry"],
        ["Storage"] = [],
        ["Crypto"] = [],
    };

    private static readonly Dictionary<string, string[]> DomainLayers = new(StringComparer.Ordinal)
    {
        ["Operations"] = ["Errors", "Model", "Paging", "Policies", "Ports", "Quotas", "Specs", "Validation"],
        ["Quotas"] = ["Errors", "Policies", "Specs"],
        ["Paging"] = ["Errors", "Validation"],
        ["Validation"] = ["Errors", "Model", "Specs"],
        ["Policies"] = ["Errors", "Model", "Ports", "Specs"],
        ["Ports"] = ["Errors", "Model", "Specs"],
        ["Model"] = ["Errors", "Specs"],
        ["Specs"] = ["Errors"],
        ["Errors"] = [],
    };

    private static readonly Dictionary<string, string[]> ControlPlaneLayers = new(StringComparer.Ordinal)
    {
        ["Hosting"] = ["Api", "WebConsole", "Relay", "Storage"],
        ["WebConsole"] = ["Relay"],
        ["Api"] = ["Relay", "Storage"],
        ["Relay"] = ["Storage"],
        ["Storage"] = [],
    };

    [Fact]
    public void TheRegionNode_UsesItsFoldersOnlyAsLayered() =>
        AssertLayered(RepoPaths.RegionNodeDll, "Grpc.Mrk.RegionNode", RegionNodeLayers);

    [Fact]
    public void TheDomain_UsesItsFoldersOnlyAsLayered() =>
        AssertLayered(Path.Combine(AppContext.BaseDirectory, "Grpc.Mrk.Domain.dll"), "Grpc.Mrk.RegionNode.Domain", DomainLayers);

    [Fact]
    public void TheControlPlane_UsesItsFoldersOnlyAsLayered() =>
        AssertLayered(RepoPaths.ControlPlaneDll, "Grpc.Mrk.ControlPlane", ControlPlaneLayers);

    [Fact]
    public void TheReader_SeesUsesThatNoUsingLineShows()
    {
        // AuditSigningKey names DomainKeyHolder only through a constructor parameter, and Storage's stores reach the
        // audit log only through a method body: both must appear, or the tables above would prove nothing.
        var graph = CompiledDependencies.FolderGraph(RepoPaths.RegionNodeDll, "Grpc.Mrk.RegionNode");
        Assert.Contains("Crypto", graph["Audit"].Keys);
        Assert.Contains("Storage", graph["Audit"].Keys);
        Assert.Contains("Replication", graph["Testing"].Keys);
        Assert.NotEmpty(CompiledDependencies.Cycles(new()
        {
            ["A"] = new() { ["B"] = "a -> b" },
            ["B"] = new() { ["A"] = "b -> a" },
        }));
    }

    private static void AssertLayered(string assemblyPath, string rootNamespace, Dictionary<string, string[]> layers)
    {
        var graph = CompiledDependencies.FolderGraph(assemblyPath, rootNamespace);
        var cycles = CompiledDependencies.Cycles(graph);
        Assert.True(cycles.Count == 0, "cycles among folders:\n" + string.Join("\n", cycles));
        var unexpected = graph
            .SelectMany(from => from.Value.Select(to => (From: from.Key, To: to.Key, Example: to.Value)))
            .Where(edge => edge.From != "(root)" && !(layers.TryGetValue(edge.From, out var allowed) && allowed.Contains(edge.To)))
            .Select(edge => $"{edge.From} -> {edge.To} ({edge.Example})")
            .ToList();
        Assert.True(unexpected.Count == 0, "uses across folders that the layering does not allow:\n" + string.Join("\n", unexpected));
    }
}
