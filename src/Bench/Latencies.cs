namespace Grpc.Mrk.Bench;

/// <summary>A set of measured times in milliseconds, summarised.</summary>
public sealed record Latencies(string Figure, int Samples, double P50Ms, double P99Ms, double MaxMs)
{
    public static Latencies Of(string figure, IReadOnlyCollection<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        double At(double quantile) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];
        return new Latencies(figure, sorted.Length, At(0.5), At(0.99), sorted.Length == 0 ? double.NaN : sorted[^1]);
    }
}
