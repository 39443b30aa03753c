using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>Runs the real `mrk` command line against a node, as a user would from a shell.</summary>
public static class MrkCli
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(RegionNodeProcess node, string workingDirectory, params string[] arguments) =>
        RunAsync(workingDirectory, ["--endpoint", node.Endpoint.ToString(), .. arguments]);

    public static Task<(int ExitCode, string Output, string Error)> RunAsync(string workingDirectory, string[] arguments) =>
        RunToolAsync(RepoPaths.CliDll, workingDirectory, arguments, TimeSpan.FromSeconds(60));

    /// <summary>Runs one of the product's .NET tools (its dll) to its end, killing it if it outlives <paramref name="timeout"/>.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunToolAsync(string dll, string workingDirectory, string[] arguments,
        TimeSpan timeout) =>
        ExternalTool.RunAsync("dotnet", [dll, .. arguments], null, workingDirectory, timeout);

    /// <summary>Runs a command that must succeed and returns what it printed, trimmed.</summary>
    public static async Task<string> OkAsync(RegionNodeProcess node, string workingDirectory, params string[] arguments)
    {
        var (exitCode, output, error) = await RunAsync(node, workingDirectory, arguments);
        Assert.True(exitCode == 0, $"mrk {string.Join(' ', arguments)} exited {exitCode}: {error}");
        return output.Trim();
    }
}
