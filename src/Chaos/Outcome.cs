using Grpc.Core;
using Grpc.Mrk.Client;

namespace Grpc.Mrk.Chaos;

/// <summary>How a call ended, as far as its caller can tell.</summary>
public enum Outcome
{
    /// <summary>Answered with success: the change is acknowledged and must survive every fault.</summary>
    Acknowledged,

    /// <summary>Refused with an AWS error (the state did not allow it, or a fault made a Region refuse): nothing changed.</summary>
    Refused,

    /// <summary>No answer (unreachable, paused, killed mid-call, deadline): it may or may not have taken effect.</summary>
    Unanswered,

    /// <summary>INTERNAL or UNKNOWN: never acceptable, whatever the fault.</summary>
    Internal,
}

public static class Outcomes
{
    public static (Outcome Outcome, string? Error) Of(Exception e) => e switch
    {
        MrkException { StatusCode: StatusCode.Internal or StatusCode.Unknown } m => (Outcome.Internal, $"{m.ErrorCode}: {m.Message}"),
        MrkException { StatusCode: StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled } m => (Outcome.Unanswered, m.ErrorCode),
        MrkException m => (Outcome.Refused, m.ErrorCode),
        _ => (Outcome.Unanswered, e.GetType().Name),
    };
}
