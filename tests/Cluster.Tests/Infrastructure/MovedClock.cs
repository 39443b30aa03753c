namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>
/// A wall clock the test moves for one process: Debian's libfaketime preloaded, reading its offset from a file the
/// test rewrites (re-read once a second). The monotonic clock is left alone, as when a machine's clock is stepped; the
/// chaos harness moves Regions' clocks the same way (its RegionClocks).
/// </summary>
public sealed class MovedClock
{
    private static readonly string[] Libraries =
    [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
    ];

    private readonly string _file;

    public MovedClock(string folder, TimeSpan offset)
    {
        _file = Path.Combine(folder, "faketime");
        Write(offset);
        var library = Libraries.FirstOrDefault(File.Exists);
        Assert.True(library is not null, "libfaketime is not installed (Debian: apt-get install libfaketime; scripts/test.sh installs it)");
        Environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["LD_PRELOAD"] = library!, ["FAKETIME_TIMESTAMP_FILE"] = _file, ["FAKETIME_CACHE_DURATION"] = "1",
            ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1", ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0", ["NO_FAKE_STAT"] = "1",
        };
    }

    /// <summary>What to add to the process's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>
    /// Moves the clock to <paramref name="offset"/> from the true time. The library looks at the file again once its
    /// cached reading is a whole second old by its own second count, so the process reads it within about two seconds.
    /// </summary>
    public async Task SetAsync(TimeSpan offset)
    {
        Write(offset);
        await Task.Delay(TimeSpan.FromMilliseconds(2500));
    }

    private void Write(TimeSpan offset)
    {
        var seconds = (long)offset.TotalSeconds;
        File.WriteAllText(_file + ".new", (seconds >= 0 ? "+" : "-") + Math.Abs(seconds).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        File.Move(_file + ".new", _file, overwrite: true);
    }
}
