using System.Diagnostics;

namespace Grpc.Mrk.Bench;

/// <summary>
/// What one scenario measured: completed calls, failures, the latency of completed calls (h2load gives only their mean,
/// reported as p50's column), which load generator drove it, and the node's own CPU time per call when its process
/// could be read.
/// </summary>
public sealed record Measurement(string Scenario, int Concurrency, double Seconds, long Calls, long Failures, double CallsPerSecond,
    double P50Ms, double P99Ms, double P999Ms, string? FirstError, string Driver = "dotnet", double? NodeMicrosPerCall = null);

/// <summary>
/// Runs one call in a closed loop from a fixed number of workers for a fixed time (after a warm-up that is not
/// counted), bounded also in calls, and records every latency.
/// </summary>
public static class LoadRunner
{
    /// <summary>At most this many latencies are kept per worker (enough for minutes at tens of thousands of calls/s).</summary>
    private const int MaxSamplesPerWorker = 4_000_000;

    public static async Task<Measurement> RunAsync(string scenario, Func<CancellationToken, Task> call, int concurrency, TimeSpan warmUp,
        TimeSpan duration, long maxCalls, Func<double?>? nodeCpuSeconds = null)
    {
        await RunPhaseAsync(call, concurrency, warmUp, maxCalls, record: false).ConfigureAwait(false);
        var cpuBefore = nodeCpuSeconds?.Invoke();
        var stopwatch = Stopwatch.StartNew();
        var (samples, failures, firstError) = await RunPhaseAsync(call, concurrency, duration, maxCalls, record: true).ConfigureAwait(false);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var cpu = nodeCpuSeconds?.Invoke() - cpuBefore;
        var all = samples.SelectMany(s => s).ToArray();
        Array.Sort(all);
        return new Measurement(scenario, concurrency, seconds, all.Length, failures, all.Length / seconds,
            Percentile(all, 0.50), Percentile(all, 0.99), Percentile(all, 0.999), firstError,
            NodeMicrosPerCall: cpu is { } used && all.Length > 0 ? used * 1e6 / all.Length : null);
    }

    private static async Task<(List<long>[] Samples, long Failures, string? FirstError)> RunPhaseAsync(Func<CancellationToken, Task> call,
        int concurrency, TimeSpan duration, long maxCalls, bool record)
    {
        using var stop = new CancellationTokenSource(duration);
        var samples = Enumerable.Range(0, concurrency).Select(_ => new List<long>()).ToArray();
        long failures = 0;
        long started = 0;
        string? firstError = null;
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = samples[worker];
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref started) <= maxCalls)
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    await call(CancellationToken.None).ConfigureAwait(false);
                    if (record && mine.Count < MaxSamplesPerWorker)
                    {
                        mine.Add(Stopwatch.GetTimestamp() - begin);
                    }
                }
                catch (Exception e) when (e is Grpc.Core.RpcException or HttpRequestException or IOException)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        return (samples, failures, firstError);
    }

    private static double Percentile(long[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))] * 1000.0 / Stopwatch.Frequency;
}
