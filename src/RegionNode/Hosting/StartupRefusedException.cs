namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>A reason the node will not start; the message tells the operator what to fix.</summary>
public sealed class StartupRefusedException : Exception
{
    public StartupRefusedException()
    {
    }

    public StartupRefusedException(string message)
        : base(message)
    {
    }

    public StartupRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
