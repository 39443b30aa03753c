namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// File modes for what a Region keeps on disk: its data directory 0700 and its store 0600, whatever the umask, so
/// no other user of the machine reads wrapped material, audit records or API key hashes.
/// </summary>
public static class OwnerOnly
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Directory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
            return;
        }

        System.IO.Directory.CreateDirectory(path, Folder);
        System.IO.File.SetUnixFileMode(path, Folder);
    }

    /// <summary>
    /// Creates the SQLite file empty with mode 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
    /// main file's mode), or narrows an existing store and its companions to 0600.
    /// </summary>
    public static void Store(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (!System.IO.File.Exists(path))
        {
            using var created = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = File });
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm" }.Where(System.IO.File.Exists))
        {
            System.IO.File.SetUnixFileMode(file, File);
        }
    }
}
