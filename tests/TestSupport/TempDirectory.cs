namespace Grpc.Mrk.TestSupport;

/// <summary>A fresh folder for one node's data, removed afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Path = Directory.CreateTempSubdirectory("mrk-cluster-").FullName;

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process may still be releasing a file; the OS cleans temp folders eventually.
        }
    }
}
