namespace Grpc.Mrk.Chaos;

/// <summary>Where the RegionNode and ControlPlane builds are: beside this tool in the repository's build output.</summary>
public static class ProductBinaries
{
    public static string Root { get; } = FindRoot();

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";

    public static string RegionNode => Built("RegionNode", "Grpc.Mrk.RegionNode.dll");

    public static string ControlPlane => Built("ControlPlane", "Grpc.Mrk.ControlPlane.dll");

    /// <summary>The script that prints a relay log server's configuration (the same as scripts/run-local.sh --ha uses).</summary>
    public static string RelayLogConfiguration => Path.Combine(Root, "scripts", "lib", "relay-log-conf.sh");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built; run `dotnet build Grpc.Mrk.sln -c {Configuration}` first.", path);
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Grpc.Mrk.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Grpc.Mrk.sln not found above the tool's folder.");
    }
}
