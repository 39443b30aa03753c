using System.Globalization;

namespace Grpc.Mrk.Chaos.Clocks;

/// <summary>
/// What each Region's process reads as the wall clock: libfaketime (Debian's libfaketime) preloaded into every
/// RegionNode, reading an offset from a file of that Region's that the harness rewrites to make the clock jump or run
/// skewed. Only the wall clock moves, as it does when an operator or NTP steps a machine's clock: the monotonic clock
/// (timers, timeouts, the runtime's waits) is left alone (FAKETIME_DONT_FAKE_MONOTONIC), and libfaketime's rewriting of
/// condition-variable waits, which would break the runtime's sleeps with it, is off (FAKETIME_FORCE_MONOTONIC_FIX=0).
/// </summary>
public sealed class RegionClocks
{
    /// <summary>How often a process looks at its offset file again (FAKETIME_CACHE_DURATION, whole seconds).</summary>
    private const int RereadSeconds = 1;

    private static readonly TimeSpan Reread = TimeSpan.FromSeconds(RereadSeconds + 1.5);

    /// <summary>Where Debian puts the library (per architecture), and MRK_LIBFAKETIME to name another.</summary>
    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
        "/usr/lib/faketime/libfaketimeMT.so.1",
    ];

    private readonly string _library;
    private readonly string _folder;
    private readonly Dictionary<string, TimeSpan> _offsets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private RegionClocks(string library, string folder, IEnumerable<string> regions)
    {
        (_library, _folder) = (library, folder);
        Directory.CreateDirectory(folder);
        foreach (var region in regions)
        {
            _offsets[region] = TimeSpan.Zero;
            Write(region, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// How far back the cluster's certificates are dated when its clocks can be moved: a Region whose clock is set back
    /// days still finds its own and its peers' certificates valid, as in a cluster whose certificates were issued a
    /// while ago. (Set back further than a certificate's age, a Region cannot connect: a fault of its own, not drawn here.)
    /// </summary>
    public static readonly TimeSpan CertificatesIssuedBefore = TimeSpan.FromDays(7);

    /// <summary>Why clock faults cannot run here, or null when they can.</summary>
    public static string? Unavailable() => Library() is null
        ? "libfaketime is not installed (Debian: apt-get install libfaketime), or MRK_LIBFAKETIME does not name it"
        : null;

    private static string? Library() =>
        System.Environment.GetEnvironmentVariable("MRK_LIBFAKETIME") is { Length: > 0 } named
            ? System.IO.File.Exists(named) ? named : null
            : Candidates.FirstOrDefault(System.IO.File.Exists);

    /// <summary>Clocks for <paramref name="regions"/>, their offset files in <paramref name="folder"/>; null when libfaketime is missing.</summary>
    public static RegionClocks? TryCreate(string folder, IEnumerable<string> regions) =>
        Library() is { } library ? new RegionClocks(library, folder, regions) : null;

    /// <summary>The environment that puts <paramref name="region"/>'s process on its movable clock.</summary>
    public IReadOnlyDictionary<string, string> Environment(string region) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["LD_PRELOAD"] = _library,
        ["FAKETIME_TIMESTAMP_FILE"] = File(region),
        ["FAKETIME_CACHE_DURATION"] = RereadSeconds.ToString(CultureInfo.InvariantCulture),
        ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        ["FAKETIME_FORCE_MONOTONIC_FIX"] = "0",
        ["NO_FAKE_STAT"] = "1",
    };

    public TimeSpan Offset(string region)
    {
        lock (_gate)
        {
            return _offsets[region];
        }
    }

    /// <summary>What <paramref name="region"/> reads as the time now.</summary>
    public DateTimeOffset Now(string region) => DateTimeOffset.UtcNow + Offset(region);

    /// <summary>
    /// Sets <paramref name="region"/>'s clock to run <paramref name="offset"/> from the true time, and waits until its
    /// process has read the change: the library looks again once its cached reading is a whole second old by its own
    /// count of seconds, so within about two.
    /// </summary>
    public async Task SetAsync(string region, TimeSpan offset)
    {
        lock (_gate)
        {
            _offsets[region] = offset;
        }

        Write(region, offset);
        await Task.Delay(Reread).ConfigureAwait(false);
    }

    /// <summary>Every clock back to the true time.</summary>
    public async Task ResetAsync()
    {
        List<string> moved;
        lock (_gate)
        {
            moved = [.. _offsets.Where(o => o.Value != TimeSpan.Zero).Select(o => o.Key)];
            foreach (var region in moved)
            {
                _offsets[region] = TimeSpan.Zero;
            }
        }

        foreach (var region in moved)
        {
            Write(region, TimeSpan.Zero);
        }

        if (moved.Count > 0)
        {
            await Task.Delay(Reread).ConfigureAwait(false);
        }
    }

    private string File(string region) => Path.Combine(_folder, $"{region}.faketime");

    /// <summary>libfaketime's relative form: a signed whole number of seconds. Written aside and renamed, so a read never sees half.</summary>
    private void Write(string region, TimeSpan offset)
    {
        var seconds = (long)Math.Round(offset.TotalSeconds);
        var text = (seconds >= 0 ? "+" : "-") + Math.Abs(seconds).ToString(CultureInfo.InvariantCulture) + "\n";
        var aside = File(region) + ".new";
        System.IO.File.WriteAllText(aside, text);
        System.IO.File.Move(aside, File(region), overwrite: true);
    }
}
