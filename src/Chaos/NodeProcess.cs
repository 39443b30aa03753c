using System.Diagnostics;
using System.Globalization;
using Grpc.Mrk.Chaos.Network;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// One product process (a RegionNode or the ControlPlane) started from its build, with its output appended to a log
/// file, that can be killed (SIGKILL), paused (SIGSTOP) and resumed (SIGCONT), and started again on the same data. With a
/// network namespace it runs inside it (`ip netns exec` replaces itself with the process, so the PID is the product's).
/// With <paramref name="native"/>, <paramref name="dll"/> names a program run as it is (a relay log server);
/// <paramref name="environment"/> adds to what it inherits (a Region's movable clock).
/// </summary>
public sealed class NodeProcess(string name, string dll, IReadOnlyList<string> arguments, string logFile, string? networkNamespace = null,
    bool native = false, IReadOnlyDictionary<string, string>? environment = null)
    : IAsyncDisposable
{
    private Process? _process;
    private StreamWriter? _log;

    public string Name { get; } = name;

    public bool Running => _process is { HasExited: false };

    public int? Pid => _process is { HasExited: false } ? _process.Id : null;

    public bool Paused { get; private set; }

    public string LogFile { get; } = logFile;

    public void Start()
    {
        if (Running)
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        _log?.Dispose();
        _log = new StreamWriter(new FileStream(LogFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var program = native ? dll : "dotnet";
        var start = new ProcessStartInfo(networkNamespace is null ? program : "ip")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (networkNamespace is not null)
        {
            foreach (var argument in new[] { "netns", "exec", networkNamespace, program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        if (!native)
        {
            start.ArgumentList.Add(dll);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment.Remove("MRK_DOMAIN_KEY");
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }
        var process = new Process { StartInfo = start };
        var log = _log;
        void Write(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Write;
        process.ErrorDataReceived += Write;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Paused = false;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or a power cut of the process.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        _process.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        Paused = false;
    }

    public async Task PauseAsync()
    {
        await SignalAsync("STOP").ConfigureAwait(false);
        Paused = true;
    }

    public async Task ResumeAsync()
    {
        if (Paused)
        {
            await SignalAsync("CONT").ConfigureAwait(false);
            Paused = false;
        }
    }

    /// <summary>Waits for the process to exit by itself (a start-up refusal); returns its exit code, or null on timeout.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan within)
    {
        if (_process is null)
        {
            return null;
        }

        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the log (for an error message: why a process stopped).</summary>
    public string LogTail(int lines)
    {
        using var stream = new FileStream(LogFile, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var tail = new Queue<string>(lines);
        while (reader.ReadLine() is { } line)
        {
            if (tail.Count == lines)
            {
                tail.Dequeue();
            }

            tail.Enqueue(line);
        }

        return string.Join('\n', tail);
    }

    private async Task SignalAsync(string signal)
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        await HostCommand.TryRunAsync("kill", $"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await ResumeAsync().ConfigureAwait(false);
            await KillAsync().ConfigureAwait(false);
            _process.Dispose();
        }

        _log?.Dispose();
    }
}
