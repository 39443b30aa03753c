using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Grpc.Mrk.Bench;

/// <summary>A unary call as bytes on the wire: the method's HTTP/2 path and its serialized request message.</summary>
public sealed record WireRequest(string Path, byte[] Message)
{
    /// <summary>The request as one gRPC length-prefixed message: no compression flag, a 4-byte big-endian length, the message.</summary>
    public byte[] Frame()
    {
        var frame = new byte[5 + Message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1, 4), (uint)Message.Length);
        Message.CopyTo(frame, 5);
        return frame;
    }
}

/// <summary>How h2load drives the node: connections, streams in flight on each, and its own threads.</summary>
public sealed record H2LoadSettings(int Connections, int Streams, int Threads, string? ApiKey);

/// <summary>
/// Drives one scenario with h2load (Debian's nghttp2-client) sending a prepared request body: a load generator lean
/// enough that the node, not the client, is what is measured. h2load counts HTTP statuses only, and a gRPC error is an
/// HTTP 200 without a message, so a run whose answers carried fewer message bytes than one frame header each is
/// reported as failed.
/// </summary>
public static partial class H2LoadRunner
{
    public static async Task<Measurement> RunAsync(string scenario, Uri endpoint, WireRequest wire, H2LoadSettings settings, TimeSpan warmUp,
        TimeSpan duration, Func<double?> nodeCpuSeconds)
    {
        var body = Path.Combine(Path.GetTempPath(), $"mrk-bench-{Guid.NewGuid():N}.grpc");
        await File.WriteAllBytesAsync(body, wire.Frame()).ConfigureAwait(false);
        try
        {
            var target = new Uri(endpoint, wire.Path).ToString();
            if (warmUp > TimeSpan.Zero)
            {
                await RunH2LoadAsync(target, body, settings, warmUp).ConfigureAwait(false);
            }

            var cpuBefore = nodeCpuSeconds();
            var stopwatch = Stopwatch.StartNew();
            var output = await RunH2LoadAsync(target, body, settings, duration).ConfigureAwait(false);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var cpu = nodeCpuSeconds() - cpuBefore;
            var (succeeded, failed, dataBytes, measuredSeconds, meanMs) = Parse(output);
            string? error = null;
            if (dataBytes < succeeded * 5)
            {
                error = "answers carried no message: gRPC errors behind HTTP 200 (check the request with the .NET driver)";
                failed += succeeded;
                succeeded = 0;
            }

            return new Measurement(scenario, settings.Connections * settings.Streams, measuredSeconds ?? seconds, succeeded, failed,
                succeeded / (measuredSeconds ?? seconds), meanMs, double.NaN, double.NaN, error, Driver: "h2load",
                NodeMicrosPerCall: cpu is { } used && succeeded > 0 ? used * 1e6 / succeeded : null);
        }
        finally
        {
            File.Delete(body);
        }
    }

    private static async Task<string> RunH2LoadAsync(string target, string body, H2LoadSettings settings, TimeSpan duration)
    {
        var start = new ProcessStartInfo("h2load") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "-c", settings.Connections.ToString(CultureInfo.InvariantCulture), "-m", settings.Streams.ToString(CultureInfo.InvariantCulture),
                     "-t", settings.Threads.ToString(CultureInfo.InvariantCulture), "-D", $"{(long)duration.TotalMilliseconds}ms",
                     "-H", "content-type: application/grpc", "-H", "te: trailers", "-d", body,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        if (settings.ApiKey is { } key)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add($"authorization: Bearer {key}");
        }

        start.ArgumentList.Add(target);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("h2load did not start (apt-get install nghttp2-client).");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"h2load ran past {duration.TotalSeconds + 60:0} s against {target}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"h2load exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}");
        }

        return await output.ConfigureAwait(false);
    }

    /// <summary>Reads h2load's summary: requests that succeeded and failed, the data bytes answered, its own measured time and mean latency.</summary>
    public static (long Succeeded, long Failed, long DataBytes, double? Seconds, double MeanMs) Parse(string output)
    {
        var requests = RequestsLine().Match(output);
        if (!requests.Success)
        {
            throw new InvalidOperationException($"h2load printed no request counts:{Environment.NewLine}{output}");
        }

        long Group(Match m, string name) => long.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);
        var traffic = TrafficLine().Match(output);
        var finished = FinishedLine().Match(output);
        var latency = RequestTimeLine().Match(output);
        return (Group(requests, "ok"), Group(requests, "failed") + Group(requests, "errored") + Group(requests, "timeout"),
            traffic.Success ? Group(traffic, "data") : 0,
            finished.Success ? double.Parse(finished.Groups["seconds"].Value, CultureInfo.InvariantCulture) : null,
            latency.Success ? Milliseconds(latency.Groups["mean"].Value) : double.NaN);
    }

    private static double Milliseconds(string value) => value.EndsWith("us", StringComparison.Ordinal)
        ? double.Parse(value[..^2], CultureInfo.InvariantCulture) / 1000
        : value.EndsWith("ms", StringComparison.Ordinal)
            ? double.Parse(value[..^2], CultureInfo.InvariantCulture)
            : double.Parse(value[..^1], CultureInfo.InvariantCulture) * 1000;

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<ok>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"traffic: .*?, \S+ \((?<data>\d+)\) data")]
    private static partial Regex TrafficLine();

    [GeneratedRegex(@"finished in (?<seconds>[0-9.]+)s")]
    private static partial Regex FinishedLine();

    [GeneratedRegex(@"time for request:\s+\S+\s+\S+\s+(?<mean>[0-9.]+(?:us|ms|s))")]
    private static partial Regex RequestTimeLine();
}
