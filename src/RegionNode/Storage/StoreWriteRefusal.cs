using Microsoft.Data.Sqlite;

namespace Grpc.Mrk.RegionNode.Storage;

/// <summary>
/// Tells a store that cannot write for now (its disk is full, or refused the write) from a failure of the code: the
/// first is answered with an AWS error that says so and is retried by callers, the second is a defect.
/// </summary>
public static class StoreWriteRefusal
{
    private const int IoError = 10;
    private const int Full = 13;

    /// <summary>Why the store could not write, in words for an error message; null when the failure is something else.</summary>
    public static string? Why(Exception failure) => failure switch
    {
        SqliteException { SqliteErrorCode: Full } => "the disk of its data directory is full",
        SqliteException { SqliteErrorCode: IoError } => "the disk of its data directory failed a read or write",
        _ => null,
    };
}
