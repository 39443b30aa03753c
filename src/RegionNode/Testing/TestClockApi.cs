using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.Testing.V1;

namespace Grpc.Mrk.RegionNode.Testing;

/// <summary>Moves the node's clock forward; mapped only when the node runs in test mode on loopback.</summary>
public sealed class TestClockApi(AdjustableClock clock, ILogger<TestClockApi> logger) : TestClock.TestClockBase
{
    public override Task<AdvanceClockResponse> AdvanceClock(AdvanceClockRequest request, ServerCallContext context)
    {
        if (request.Seconds <= 0 || request.Seconds > TimeSpan.FromDays(365 * 20).TotalSeconds)
        {
            throw KmsErrors.Constraint("seconds", "Member must be between 1 and 20 years of seconds");
        }

        var now = clock.Advance(TimeSpan.FromSeconds(request.Seconds));
        Log.ClockAdvanced(logger, request.Seconds, now);
        return Task.FromResult(new AdvanceClockResponse { Now = Timestamp.FromDateTimeOffset(now) });
    }
}
