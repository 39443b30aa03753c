namespace Grpc.Mrk.Chaos;

/// <summary>Ctrl-C or SIGTERM during a run: how the cancelled token surfaces from the harness's calls.</summary>
public static class Interruption
{
    /// <summary>True for a cancellation, directly or as a gRPC call the client cancelled (also inside other exceptions).</summary>
    public static bool IsCancellation(Exception e) => e switch
    {
        OperationCanceledException => true,
        Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled } => true,
        AggregateException a => a.InnerExceptions.All(IsCancellation),
        _ => e.InnerException is { } inner && IsCancellation(inner),
    };
}
