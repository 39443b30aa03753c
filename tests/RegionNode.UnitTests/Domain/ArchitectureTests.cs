using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Domain;

public sealed class ArchitectureTests
{
    private static readonly string[] Forbidden =
    [
        "using Grpc.", "using Google.", "using Microsoft.Data.Sqlite", "using Org.BouncyCastle", "using Microsoft.AspNetCore",
        "using Grpc.Mrk.RegionNode.Storage", "using Grpc.Mrk.RegionNode.Crypto", "using Grpc.Mrk.RegionNode.Api",
    ];

    [Fact]
    public void Domain_HasNoInfrastructureImports()
    {
        var domain = Path.Combine(RepoPaths.Root, "src", "RegionNode", "Domain");
        var offenders = Directory.EnumerateFiles(domain, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file)
                .Where(line => Forbidden.Any(f => line.TrimStart().StartsWith(f, StringComparison.Ordinal)
                                                  && !line.Contains("Grpc.Mrk.RegionNode.Domain", StringComparison.Ordinal)))
                .Select(line => $"{Path.GetFileName(file)}: {line.Trim()}"))
            .ToList();
        Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
    }
}
