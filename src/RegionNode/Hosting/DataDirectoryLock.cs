namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>
/// An exclusive lock on &lt;data-dir&gt;/node.lock, held for the life of a node or an admin command, so two processes
/// never work on one Region's store at once. The data directory is made the owner's alone (0700) on the way.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        OwnerOnly.Directory(dataDirectory);
        var path = Path.Combine(dataDirectory, "node.lock");
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new StartupRefusedException($"Another process is using the data directory {dataDirectory} ({path} is locked).", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
