using System.Globalization;
using System.Text.Json;

namespace Grpc.Mrk.Bench;

/// <summary>The figures as a table (with each scenario's ratio to the empty-call ceiling of the same run) and as JSON.</summary>
public static class Report
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void WriteTable(TextWriter output, IReadOnlyList<Measurement> measurements, Measurement? ceiling)
    {
        output.WriteLine($"{"scenario",-30} {"conc",5} {"calls/s",10} {"p50 ms",8} {"p99 ms",8} {"p999 ms",8} {"x ceiling",9} {"errors",7}");
        foreach (var m in measurements)
        {
            var ratio = ceiling is null ? "" : (m.CallsPerSecond / ceiling.CallsPerSecond).ToString("0.00", CultureInfo.InvariantCulture);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Scenario,-30} {m.Concurrency,5} {m.CallsPerSecond,10:0} {m.P50Ms,8:0.000} {m.P99Ms,8:0.000} {m.P999Ms,8:0.000} {ratio,9} {m.Failures,7}"));
        }
    }

    public static string ToJson(object run) => JsonSerializer.Serialize(run, Json);
}
