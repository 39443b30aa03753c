using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Grpc.Mrk.Chaos.Network;

namespace Grpc.Mrk.Chaos.Disks;

/// <summary>
/// Each Region's data directory seen through faultfs (Disks/faultfs.py, a FUSE passthrough of the harness's own): it
/// holds writes in memory until they are fsynced, as a page cache does, so a power cut can drop what never reached the
/// disk (torn, part of it), and it stalls fsync when told. Needs root, /dev/fuse, and Debian's python3-fusepy and
/// fuse3; where any is missing the slow-disk and power-cut faults are reported as skipped.
/// </summary>
public sealed class RegionFaultFs : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";

    private readonly string _folder;
    private readonly Dictionary<string, Mounted> _mounts = new(StringComparer.Ordinal);

    private RegionFaultFs(string folder) => _folder = folder;

    private sealed class Mounted(Process process, string mountPoint, string control)
    {
        public Process Process { get; } = process;

        public string MountPoint { get; } = mountPoint;

        public string Control { get; } = control;

        public double FsyncDelayMs { get; set; }

        public int Cuts { get; set; }
    }

    /// <summary>The Region's data directory: the faultfs mount.</summary>
    public string DataDirectory(string region) => _mounts[region].MountPoint;

    /// <summary>
    /// Mounts faultfs for each Region over <paramref name="backing"/>(region); null and why when the machine does not
    /// allow it.
    /// </summary>
    public static async Task<(RegionFaultFs? FaultFs, string? Unavailable)> TryCreateAsync(string folder, IEnumerable<string> regions,
        Func<string, string> backing)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "faultfs.py");
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/dev/fuse"))
        {
            return (null, "a FUSE filesystem needs root and /dev/fuse on Linux");
        }

        if (!File.Exists(script))
        {
            return (null, $"{script} is missing (it is built beside mrk-chaos)");
        }

        try
        {
            var (exitCode, _, error) = await HostCommand.TryRunAsync(Python, "-c", "import fusepy").ConfigureAwait(false);
            if (exitCode != 0)
            {
                return (null, $"faultfs needs Debian's python3-fusepy and fuse3 ({error.Trim()})");
            }
        }
        catch (Win32Exception e)
        {
            return (null, $"faultfs needs {Python}: {e.Message}");
        }

        var faultFs = new RegionFaultFs(folder);
        try
        {
            foreach (var region in regions)
            {
                await faultFs.MountAsync(region, script, backing(region)).ConfigureAwait(false);
            }

            return (faultFs, null);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or IOException or TimeoutException)
        {
            await faultFs.DisposeAsync().ConfigureAwait(false);
            return (null, $"faultfs could not be mounted here: {e.Message}");
        }
    }

    private async Task MountAsync(string region, string script, string backing)
    {
        var mountPoint = Path.Combine(_folder, region);
        var control = Path.Combine(_folder, $"{region}.control.json");
        Directory.CreateDirectory(mountPoint);
        Directory.CreateDirectory(backing);
        var mounted = new Mounted(StartFaultFs(script, backing, mountPoint, control, Path.Combine(_folder, $"{region}.log")), mountPoint, control);
        _mounts[region] = mounted;
        WriteControl(mounted, torn: false, seed: 0);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(await File.ReadAllTextAsync("/proc/mounts").ConfigureAwait(false)).Contains($" {mountPoint} fuse", StringComparison.Ordinal))
        {
            if (mounted.Process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"faultfs did not mount {mountPoint}; see {Path.Combine(_folder, $"{region}.log")}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    private static Process StartFaultFs(string script, string backing, string mountPoint, string control, string log)
    {
        var start = new ProcessStartInfo(Python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, backing, mountPoint, control })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("faultfs did not start");
        var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(writer, e.Data);
        process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is not null)
        {
            lock (writer)
            {
                writer.WriteLine(line);
            }
        }
    }

    /// <summary>Every fsync of <paramref name="region"/>'s files takes <paramref name="delay"/> longer (zero: as the disk below).</summary>
    public Task SetFsyncDelayAsync(string region, TimeSpan delay)
    {
        var mounted = _mounts[region];
        mounted.FsyncDelayMs = delay.TotalMilliseconds;
        WriteControl(mounted, torn: false, seed: 0);
        // faultfs reads its control file every 50 ms.
        return Task.Delay(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>
    /// Power lost below <paramref name="region"/> (whose process the caller has killed): every write not yet fsynced is
    /// dropped, or with <paramref name="torn"/> a seeded prefix of each file's reaches the disk and the next write part
    /// of its sectors. Returns once faultfs has done it.
    /// </summary>
    public async Task CutPowerAsync(string region, bool torn, int seed)
    {
        var mounted = _mounts[region];
        mounted.Cuts++;
        WriteControl(mounted, torn, seed);
        var ack = mounted.Control + ".ack";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!File.Exists(ack) || (await File.ReadAllTextAsync(ack).ConfigureAwait(false)).Trim() != mounted.Cuts.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"faultfs did not cut the power below {region} within 10 s");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>No stalls any more (healing); a cut already made stays made.</summary>
    public async Task HealAsync()
    {
        foreach (var region in _mounts.Where(m => m.Value.FsyncDelayMs > 0).Select(m => m.Key).ToList())
        {
            await SetFsyncDelayAsync(region, TimeSpan.Zero).ConfigureAwait(false);
        }
    }

    private static void WriteControl(Mounted mounted, bool torn, int seed)
    {
        var json = JsonSerializer.Serialize(new { fsyncDelayMs = mounted.FsyncDelayMs, cut = mounted.Cuts, torn, seed });
        File.WriteAllText(mounted.Control + ".new", json);
        File.Move(mounted.Control + ".new", mounted.Control, overwrite: true);
    }

    /// <summary>Unmounts (after the cluster's processes have stopped) and ends the faultfs processes.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var mounted in _mounts.Values)
        {
            await HostCommand.TryRunAsync("umount", "-l", mounted.MountPoint).ConfigureAwait(false);
            if (!mounted.Process.HasExited)
            {
                mounted.Process.Kill();
            }

            mounted.Process.Dispose();
        }

        _mounts.Clear();
    }
}
