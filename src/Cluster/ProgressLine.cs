using System.Globalization;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Progress of long work on one line of standard error, rewritten in place, only when standard error is a terminal:
/// piped or redirected output (scripts, CI logs, `--output json` read by a program) never sees it. The elapsed time
/// moves on once a second even while the work waits on one long call; the line is cleared when the work ends.
/// </summary>
public sealed class ProgressLine : IDisposable
{
    private readonly TextWriter _writer;
    private readonly string _what;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly ITimer? _ticker;
    private readonly Lock _lock = new();
    private string _detail = string.Empty;
    private int _width;
    private bool _ended;

    public ProgressLine(TextWriter writer, bool interactive, string what, TimeProvider time)
    {
        _writer = writer;
        _what = what;
        _time = time;
        _started = time.GetTimestamp();
        if (interactive)
        {
            _ticker = time.CreateTimer(_ => Render(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>On standard error, shown only when it is a terminal.</summary>
    public static ProgressLine OnStandardError(string what) => new(Console.Error, !Console.IsErrorRedirected, what, TimeProvider.System);

    /// <summary>What has been done so far ("3/12 Regions"); shown with the next tick or at once.</summary>
    public void Report(string detail)
    {
        lock (_lock)
        {
            _detail = detail;
        }

        if (_ticker is not null)
        {
            Render();
        }
    }

    /// <summary>
    /// A line to keep, in a terminal or not (a tool's running log): in a terminal the progress line is cleared for it
    /// and drawn again below it.
    /// </summary>
    public void Log(string line)
    {
        lock (_lock)
        {
            if (_ticker is not null && _width > 0)
            {
                _writer.Write("\r" + new string(' ', _width) + "\r");
                _width = 0;
            }

            _writer.WriteLine(line);
            _writer.Flush();
        }

        if (_ticker is not null)
        {
            Render();
        }
    }

    /// <summary>In a terminal, progress in place (<see cref="Report"/>); elsewhere, a line of the log (<see cref="Log"/>).</summary>
    public void ReportOrLog(string detail)
    {
        if (_ticker is not null)
        {
            Report(detail);
        }
        else
        {
            Log($"{_what}: {detail}");
        }
    }

    private void Render()
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            var seconds = _time.GetElapsedTime(_started).TotalSeconds;
            var line = string.Create(CultureInfo.InvariantCulture, $"{_what}{(_detail.Length > 0 ? ": " + _detail : string.Empty)} ({seconds:0} s)");
            _writer.Write("\r" + line.PadRight(_width));
            _writer.Flush();
            _width = Math.Max(_width, line.Length);
        }
    }

    public void Dispose()
    {
        _ticker?.Dispose();
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            if (_width > 0)
            {
                _writer.Write("\r" + new string(' ', _width) + "\r");
                _writer.Flush();
            }
        }
    }
}
