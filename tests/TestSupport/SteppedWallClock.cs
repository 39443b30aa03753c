namespace Grpc.Mrk.TestSupport;

/// <summary>
/// A clock whose wall time can be stepped, forward or back, while its monotonic time only runs on: what a machine does
/// when its clock is set. <see cref="Advance"/> lets time pass for both.
/// </summary>
public sealed class SteppedWallClock(DateTimeOffset start) : TimeProvider
{
    private long _elapsedTicks;
    private long _stepTicks;

    public override DateTimeOffset GetUtcNow() => start.AddTicks(Interlocked.Read(ref _elapsedTicks) + Interlocked.Read(ref _stepTicks));

    public override long GetTimestamp() => Interlocked.Read(ref _elapsedTicks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _elapsedTicks, by.Ticks);

    /// <summary>Sets the wall clock forward (positive) or back (negative); intervals measured meanwhile do not change.</summary>
    public void Step(TimeSpan by) => Interlocked.Add(ref _stepTicks, by.Ticks);
}
