namespace Grpc.Mrk.TestSupport;

/// <summary>Where the repository and the files the tests read from it are, found from the test binary's folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Project Wycheproof's vectors, kept in the repository with their license (tests/vectors/wycheproof/NOTICE).</summary>
    public static string Wycheproof(string file) => Path.Combine(Root, "tests", "vectors", "wycheproof", file);

    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";

    public static string RegionNodeDll => Path.Combine(Root, "src", "RegionNode", "bin", Configuration, "net10.0", "Grpc.Mrk.RegionNode.dll");

    public static string ControlPlaneDll => Path.Combine(Root, "src", "ControlPlane", "bin", Configuration, "net10.0", "Grpc.Mrk.ControlPlane.dll");

    public static string CliDll => Path.Combine(Root, "src", "Client", "Cli", "bin", Configuration, "net10.0", "mrk.dll");

    public static string BenchDll => Path.Combine(Root, "src", "Bench", "bin", Configuration, "net10.0", "mrk-bench.dll");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Grpc.Mrk.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Grpc.Mrk.sln not found above the test binaries.");
    }
}
