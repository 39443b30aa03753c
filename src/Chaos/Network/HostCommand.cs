using System.Diagnostics;

namespace Grpc.Mrk.Chaos.Network;

/// <summary>Runs a host tool (kill, ip, iptables) with a time bound and fails with its own error text.</summary>
public static class HostCommand
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    public static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var (exitCode, output, error) = await TryRunAsync(file, arguments).ConfigureAwait(false);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"`{file} {string.Join(' ', arguments)}` failed with exit code {exitCode}: {error.Trim()}");
    }

    public static async Task<(int ExitCode, string Output, string Error)> TryRunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        using var timeout = new CancellationTokenSource(Within);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', arguments)}` did not finish within {Within.TotalSeconds} s.");
        }
    }
}
