using System.Runtime.InteropServices;

namespace Grpc.Mrk.Cluster;

/// <summary>The C library's allocator, which SQLite and OpenSSL allocate through.</summary>
internal static class CHeap
{
    /// <summary>
    /// Returns the free memory of every glibc arena to the system (malloc_trim); false where there is no such call
    /// (another C library, another system), which leaves the memory where it is and is otherwise harmless.
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return MallocTrim(0) >= 0;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: an int and a size need no marshalling, and the project stays free of unsafe code.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
