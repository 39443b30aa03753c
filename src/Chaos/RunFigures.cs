using System.Collections.Concurrent;

namespace Grpc.Mrk.Chaos;

/// <summary>The figures a run reports: operations by outcome, faults by kind, invariant checks, violations.</summary>
public sealed class RunFigures
{
    private readonly ConcurrentDictionary<(string Operation, Outcome Outcome), long> _operations = new();
    private readonly ConcurrentDictionary<string, long> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _checks = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, long> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _skipped = new(StringComparer.Ordinal);

    public int Seed { get; init; }

    public int Iterations { get; set; }

    /// <summary>Where the cluster ran: "loopback" or "network namespaces".</summary>
    public string Network { get; set; } = "loopback";

    public long FuzzCases { get; set; }

    /// <summary>Key sets looked at by the checks, summed over the iterations and the final check.</summary>
    public long SetsChecked { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>Stopped early (Ctrl-C or SIGTERM): the iteration under way was abandoned, and no final check ran.</summary>
    public bool Interrupted { get; set; }

    public IReadOnlyDictionary<(string Operation, Outcome Outcome), long> Operations => _operations;

    public IReadOnlyDictionary<string, long> Faults => _faults;

    public IReadOnlyDictionary<string, long> Checks => _checks;

    public IReadOnlyCollection<string> Violations => _violations;

    /// <summary>Fault kinds asked for that this machine cannot inject, with why: reported as skipped, never as passed.</summary>
    public IReadOnlyDictionary<string, string> Skipped => _skipped;

    public void Skip(string kind, string reason) => _skipped[kind] = reason;

    /// <summary>Fuzz answers by where they went and their gRPC status (for example "public API InvalidArgument").</summary>
    public IReadOnlyDictionary<string, long> Answers => _answers;

    public void Answer(string kind) => _answers.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public long Count(Outcome outcome) => _operations.Where(o => o.Key.Outcome == outcome).Sum(o => o.Value);

    public void Operation(string name, Outcome outcome) => _operations.AddOrUpdate((name, outcome), 1, (_, n) => n + 1);

    public void Fault(string kind) => _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);

    /// <summary>One invariant check of kind <paramref name="invariant"/>: passes when <paramref name="problem"/> is null.</summary>
    public void Check(string invariant, string? problem)
    {
        _checks.AddOrUpdate(invariant, 1, (_, n) => n + 1);
        if (problem is not null)
        {
            _violations.Enqueue($"{invariant}: {problem}");
        }
    }
}
