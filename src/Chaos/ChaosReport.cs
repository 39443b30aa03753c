using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Grpc.Mrk.Chaos;

/// <summary>The figures of a run as a table for people and as JSON for tools.</summary>
public static class ChaosReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Table(RunFigures f)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        if (f.FuzzCases == 0)
        {
            var interrupted = f.Interrupted ? " (interrupted: the iteration under way and the final check did not run)" : string.Empty;
            text.AppendLine(c, $"seed {f.Seed}, {f.Iterations} iterations in {f.Elapsed.TotalSeconds:F0} s, on {f.Network}{interrupted}");
            text.AppendLine(c, $"key sets checked {f.SetsChecked} times (after each iteration the ones its calls touched and 20 others in turn; every one at the end)");
        }
        else
        {
            var interrupted = f.Interrupted ? " (interrupted: not all of them were sent, and the final checks did not run)" : string.Empty;
            text.AppendLine(c, $"seed {f.Seed}, {f.FuzzCases} fuzz cases in {f.Elapsed.TotalSeconds:F0} s{interrupted}");
        }

        if (f.Operations.Count > 0)
        {
            text.AppendLine("operation                      acknowledged   refused  unanswered  internal");
        }

        foreach (var name in f.Operations.Keys.Select(k => k.Operation).Distinct().Order(StringComparer.Ordinal))
        {
            long N(Outcome o) => f.Operations.GetValueOrDefault((name, o));
            text.AppendLine(c, $"{name,-30} {N(Outcome.Acknowledged),12} {N(Outcome.Refused),9} {N(Outcome.Unanswered),11} {N(Outcome.Internal),9}");
        }

        if (f.Answers.Count > 0)
        {
            text.AppendLine("fuzz answers                              count");
            foreach (var (kind, count) in f.Answers.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.AppendLine(c, $"{kind,-36} {count,8}");
            }
        }

        if (f.Faults.Count > 0)
        {
            text.AppendLine("fault                          injected");
        }

        foreach (var (kind, count) in f.Faults.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(c, $"{kind,-30} {count,8}");
        }

        foreach (var (kind, reason) in f.Skipped.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(c, $"{kind,-30} skipped: {reason}");
        }

        text.AppendLine("invariant                                                                          checks");
        foreach (var (invariant, count) in f.Checks.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine(c, $"{invariant,-82} {count,6}");
        }

        if (f.FuzzCases > 0)
        {
            text.AppendLine(c, $"fuzz cases: {f.FuzzCases}");
        }

        text.AppendLine(c, $"violations: {f.Violations.Count}");
        foreach (var violation in f.Violations.Take(50))
        {
            text.AppendLine(c, $"  {violation}");
        }

        return text.ToString();
    }

    public static string Json(RunFigures f) => JsonSerializer.Serialize(new
    {
        seed = f.Seed,
        iterations = f.Iterations,
        network = f.Network,
        elapsedSeconds = Math.Round(f.Elapsed.TotalSeconds, 1),
        interrupted = f.Interrupted,
        operations = f.Operations.GroupBy(o => o.Key.Operation).ToDictionary(g => g.Key, g => g.ToDictionary(o => o.Key.Outcome.ToString(), o => o.Value)),
        acknowledged = f.Count(Outcome.Acknowledged),
        faults = f.Faults,
        skippedFaults = f.Skipped,
        fuzzAnswers = f.Answers,
        checks = f.Checks,
        fuzzCases = f.FuzzCases,
        setsChecked = f.SetsChecked,
        violations = f.Violations,
    }, Indented);
}
