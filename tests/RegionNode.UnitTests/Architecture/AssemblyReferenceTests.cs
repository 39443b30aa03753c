using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Architecture;

/// <summary>
/// The projects' references as compiled: the domain needs only the runtime, the contracts and the client carry no
/// server, and nothing serves from the client library. Read from the assemblies' metadata, so a reference cannot hide.
/// </summary>
public sealed class AssemblyReferenceTests
{
    // What a process that answers requests is built from; none of it may reach a client or the domain.
    private static readonly string[] ServerSide =
    [
        "Microsoft.AspNetCore", "Grpc.AspNetCore", "Microsoft.Data.Sqlite", "SQLitePCLRaw", "BouncyCastle.Cryptography",
        "Grpc.Mrk.Cluster", "Grpc.Mrk.ServiceBases", "Grpc.Mrk.RegionNode", "Grpc.Mrk.ControlPlane", "Grpc.Mrk.Domain",
    ];

    private static string Beside(string assemblyName) => Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");

    [Fact]
    public void TheDomain_ReferencesNothingButTheRuntime()
    {
        var references = CompiledDependencies.ReferencedAssemblies(Beside("Grpc.Mrk.Domain"));
        Assert.DoesNotContain(references, r => !r.StartsWith("System", StringComparison.Ordinal) && r is not "netstandard" and not "mscorlib");
    }

    [Fact]
    public void TheClientLibrary_AndEverythingItLoads_CarryNoServer()
    {
        Assert.Equal(["Grpc.Mrk.Contracts"], CompiledDependencies.ReferencedAssemblies(Beside("Grpc.Mrk.Client"))
            .Where(r => r.StartsWith("Grpc.Mrk.", StringComparison.Ordinal)));

        var closure = Closure("Grpc.Mrk.Client");
        Assert.Contains("Grpc.Mrk.Contracts", closure);
        Assert.Contains("Polly.Core", closure);
        var serverSide = closure.Where(name => ServerSide.Any(s => name.StartsWith(s, StringComparison.Ordinal))).ToList();
        Assert.True(serverSide.Count == 0, $"the client library loads {string.Join(", ", serverSide)}");
    }

    [Fact]
    public void TheContracts_HoldNoServerHalves()
    {
        var contracts = typeof(Grpc.Mrk.Declarations.MethodDeclarations).Assembly;
        Assert.DoesNotContain(contracts.GetTypes(), t => t.Name.EndsWith("Base", StringComparison.Ordinal) && t.IsAbstract && t.IsNested);
        Assert.DoesNotContain(contracts.GetTypes(), t => t.Namespace is "Grpc.Mrk.Internal.V1" or "Grpc.Mrk.Testing.V1");
        Assert.Contains(contracts.GetTypes(), t => t.Name == "KeyManagementServiceClient");
    }

    [Fact]
    public void TheServers_DoNotReferenceTheClientLibrary()
    {
        Assert.DoesNotContain("Grpc.Mrk.Client", CompiledDependencies.ReferencedAssemblies(RepoPaths.RegionNodeDll));
        Assert.DoesNotContain("Grpc.Mrk.Client", CompiledDependencies.ReferencedAssemblies(RepoPaths.ControlPlaneDll));
        Assert.DoesNotContain("Grpc.Mrk.Domain", CompiledDependencies.ReferencedAssemblies(RepoPaths.ControlPlaneDll));
        Assert.DoesNotContain(CompiledDependencies.ReferencedAssemblies(Beside("Grpc.Mrk.Cluster")),
            r => r is "Grpc.Mrk.Client" or "Grpc.Mrk.Domain" or "Grpc.Mrk.RegionNode" or "Grpc.Mrk.ControlPlane");
    }

    /// <summary>The names of the assemblies <paramref name="root"/> loads, followed through those that sit beside it (the runtime's own are not).</summary>
    private static HashSet<string> Closure(string root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { root };
        var pending = new Queue<string>([root]);
        while (pending.TryDequeue(out var name))
        {
            foreach (var reference in CompiledDependencies.ReferencedAssemblies(Beside(name)))
            {
                if (File.Exists(Beside(reference)) && seen.Add(reference))
                {
                    pending.Enqueue(reference);
                }
            }
        }

        return seen;
    }
}
