using System.Runtime.InteropServices;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// Makes a directory's entries durable (fsync on the directory): a file created or renamed is not on disk until its
/// directory is, and a domain key file lost that way would leave a store no key opens.
/// </summary>
public static class DirectorySync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere the file system journals directory entries with the file's own flush, or offers no way to ask.
            return;
        }

        var descriptor = Open(directory, ReadOnly | Directory);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Cannot flush {directory} to disk (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
