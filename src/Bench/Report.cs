using System.Globalization;
using System.Text.Json;

namespace Grpc.Mrk.Bench;

/// <summary>The figures as a table (with each scenario's ratio to the empty-call ceiling of the same run) and as JSON.</summary>
public static class Report
{
    // h2load reports no percentiles: those figures are NaN, written as JSON strings.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void WriteTable(TextWriter output, IReadOnlyList<Measurement> measurements, Measurement? ceiling)
    {
        // h2load reports only the mean latency: it stands in p50's column, marked, and p99/p999 stay empty.
        output.WriteLine($"{"scenario",-30} {"conc",5} {"calls/s",10} {"p50 ms",9} {"p99 ms",8} {"p999 ms",8} {"x ceiling",9} {"node us/call",12} {"errors",7}");
        foreach (var m in measurements)
        {
            var ratio = ceiling is null ? "" : (m.CallsPerSecond / ceiling.CallsPerSecond).ToString("0.00", CultureInfo.InvariantCulture);
            var cpu = m.NodeMicrosPerCall?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-";
            var p50 = m.Driver == "h2load" ? string.Create(CultureInfo.InvariantCulture, $"{m.P50Ms:0.000}*") : m.P50Ms.ToString("0.000", CultureInfo.InvariantCulture);
            string Tail(double ms) => double.IsNaN(ms) ? "-" : ms.ToString("0.000", CultureInfo.InvariantCulture);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Scenario,-30} {m.Concurrency,5} {m.CallsPerSecond,10:0} {p50,9} {Tail(m.P99Ms),8} {Tail(m.P999Ms),8} {ratio,9} {cpu,12} {m.Failures,7}"));
        }

        if (measurements.Any(m => m.Driver == "h2load"))
        {
            output.WriteLine("* h2load's mean latency (it reports no percentiles)");
        }
    }

    /// <summary>Each scenario measured through both protocols: the JSON protocol's calls/s and p99 as ratios to its gRPC twin's.</summary>
    public static void WriteProtocolRatios(TextWriter output, IReadOnlyList<Measurement> measurements, string jsonPrefix)
    {
        var pairs = measurements.Where(m => m.Scenario.StartsWith(jsonPrefix, StringComparison.Ordinal))
            .Select(m => (Json: m, Grpc: measurements.FirstOrDefault(g => g.Scenario == m.Scenario[jsonPrefix.Length..])))
            .Where(p => p.Grpc is not null)
            .ToList();
        if (pairs.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine($"{"scenario",-30} {"gRPC calls/s",12} {"JSON calls/s",12} {"JSON x gRPC",11} {"p99 JSON x gRPC",15}");
        foreach (var (json, grpc) in pairs)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{grpc!.Scenario,-30} {grpc.CallsPerSecond,12:0} {json.CallsPerSecond,12:0} {json.CallsPerSecond / grpc.CallsPerSecond,11:0.00} {json.P99Ms / grpc.P99Ms,15:0.00}"));
        }
    }

    public static string ToJson(object run) => JsonSerializer.Serialize(run, Json);
}
