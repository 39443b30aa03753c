using System.ComponentModel;
using System.Globalization;
using Grpc.Mrk.Chaos.Network;

namespace Grpc.Mrk.Chaos.Disks;

/// <summary>
/// Each Region's data directory on a filesystem of its own: a small ext4 image mounted through a loop device, so a
/// fault can fill it to the last block while the Region runs, and free it again. The data directory is a folder on
/// that filesystem (the harness's filler file sits beside it, not in it). Needs root, a loop device, mkfs.ext4 and
/// mount; where the machine refuses any of them the disk faults are reported as skipped.
/// </summary>
public sealed class RegionDisks : IAsyncDisposable
{
    /// <summary>Room for a chaos run's stores several times over, and small enough to fill in a moment.</summary>
    private const long ImageBytes = 256L * 1024 * 1024;

    private const string Filler = "filler";

    private readonly string _folder;
    private readonly List<string> _mounted = [];

    private RegionDisks(string folder) => _folder = folder;

    /// <summary>Where <paramref name="region"/>'s filesystem is mounted.</summary>
    public string MountPoint(string region) => Path.Combine(_folder, region);

    /// <summary>The Region's data directory, on its filesystem.</summary>
    public string DataDirectory(string region) => Path.Combine(MountPoint(region), "data");

    /// <summary>Mounts a fresh filesystem for each Region; null and why when the machine does not allow it.</summary>
    public static async Task<(RegionDisks? Disks, string? Unavailable)> TryCreateAsync(string folder, IEnumerable<string> regions)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return (null, "loop-mounted filesystems need root on Linux");
        }

        var disks = new RegionDisks(folder);
        try
        {
            foreach (var region in regions)
            {
                await disks.MountAsync(region).ConfigureAwait(false);
            }

            return (disks, null);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or IOException or TimeoutException)
        {
            await disks.DisposeAsync().ConfigureAwait(false);
            return (null, $"a loop-mounted filesystem could not be made here: {e.Message}");
        }
    }

    private async Task MountAsync(string region)
    {
        var image = Path.Combine(_folder, $"{region}.ext4");
        Directory.CreateDirectory(MountPoint(region));
        await using (var file = new FileStream(image, FileMode.Create, FileAccess.Write))
        {
            file.SetLength(ImageBytes);
        }

        // No blocks reserved for root: the Region runs as root here, and a reserve would let it write on past "full".
        await HostCommand.RunAsync("mkfs.ext4", "-q", "-F", "-m", "0", image).ConfigureAwait(false);
        await HostCommand.RunAsync("mount", "-o", "loop", image, MountPoint(region)).ConfigureAwait(false);
        _mounted.Add(MountPoint(region));
        Directory.CreateDirectory(DataDirectory(region));
    }

    /// <summary>Fills <paramref name="region"/>'s filesystem to the last block; returns the bytes the filler took.</summary>
    public async Task<long> FillAsync(string region)
    {
        var filler = Path.Combine(MountPoint(region), Filler);
        // Most of it at once, short of what the extent tree itself needs; the rest block by block below.
        var bulk = new DriveInfo(MountPoint(region)).AvailableFreeSpace - (4L << 20);
        var taken = 0L;
        if (bulk > 0 && (await HostCommand.TryRunAsync("fallocate", "-l", bulk.ToString(CultureInfo.InvariantCulture), filler + ".1").ConfigureAwait(false)).ExitCode == 0)
        {
            taken = bulk;
        }

        // What is left, until the filesystem says it is full.
        await using var rest = new FileStream(filler + ".2", FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        var block = new byte[4096];
        for (var i = 0; i < 65_536; i++)
        {
            try
            {
                await rest.WriteAsync(block).ConfigureAwait(false);
                await rest.FlushAsync().ConfigureAwait(false);
                taken += block.Length;
            }
            catch (IOException)
            {
                break;
            }
        }

        return taken;
    }

    /// <summary>Frees what <see cref="FillAsync"/> took.</summary>
    public void Free(string region)
    {
        foreach (var file in Directory.GetFiles(MountPoint(region), Filler + ".*"))
        {
            File.Delete(file);
        }
    }

    /// <summary>Frees every Region's filesystem (healing).</summary>
    public void FreeAll()
    {
        foreach (var mount in _mounted)
        {
            foreach (var file in Directory.GetFiles(mount, Filler + ".*"))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>
    /// Unmounts, after the cluster's processes have stopped. The images stay in the run's folder (sparse files), so a
    /// kept folder can be mounted again to read a Region's store; a clean run's folder goes with them.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var mount in _mounted)
        {
            await HostCommand.TryRunAsync("umount", mount).ConfigureAwait(false);
        }

        _mounted.Clear();
    }
}
