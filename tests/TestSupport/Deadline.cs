namespace Grpc.Mrk.TestSupport;

/// <summary>The deadline every test call carries, so a hung node fails the test instead of hanging it.</summary>
public static class Deadline
{
    public static DateTime Soon => DateTime.UtcNow.AddSeconds(30);
}
