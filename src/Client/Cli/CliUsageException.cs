namespace Grpc.Mrk.Cli;

/// <summary>A command line the tool cannot turn into a request; exit code 252, as the AWS CLI uses.</summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException()
    {
    }

    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
