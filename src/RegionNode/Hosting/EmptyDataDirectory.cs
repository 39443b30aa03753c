namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>The data directory a restore or a rebuild starts from: nothing in it but, at most, the domain key file.</summary>
public static class EmptyDataDirectory
{
    private static readonly string[] Allowed = ["domain.key", "node.lock"];

    public static void Require(string dataDirectory, string command)
    {
        Directory.CreateDirectory(dataDirectory);
        var present = Directory.EnumerateFileSystemEntries(dataDirectory).Select(Path.GetFileName)
            .Where(name => !Allowed.Contains(name)).ToList();
        if (present.Count > 0)
        {
            throw new StartupRefusedException(
                $"The data directory {dataDirectory} is not empty ({string.Join(", ", present.Take(5))}): {command} only into an empty one "
                + "(it may hold the domain key file).");
        }
    }
}
