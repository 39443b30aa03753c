namespace Grpc.Mrk.Chaos.Clocks;

/// <summary>
/// Keeps the workload's schedule-and-cancel deletions away from a Region whose clock is about to move: a jump forward
/// would make one of them due between its two calls, and delete a replica the ledger expects. Deliberate due deletions
/// are the clock faults' own probes, whose outcome is known in advance.
/// </summary>
public sealed class DeletionGate
{
    private readonly Dictionary<string, int> _inside = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>False when <paramref name="region"/> is closed: the workload skips the step.</summary>
    public bool TryEnter(string region)
    {
        lock (_gate)
        {
            if (_closed.Contains(region))
            {
                return false;
            }

            _inside[region] = _inside.GetValueOrDefault(region) + 1;
            return true;
        }
    }

    public void Exit(string region)
    {
        lock (_gate)
        {
            _inside[region]--;
        }
    }

    /// <summary>Closes <paramref name="region"/> and waits (at most <paramref name="within"/>) for the steps under way there to end.</summary>
    public async Task CloseAsync(string region, TimeSpan within)
    {
        lock (_gate)
        {
            _closed.Add(region);
        }

        var deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            lock (_gate)
            {
                if (_inside.GetValueOrDefault(region) == 0)
                {
                    return;
                }
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new TimeoutException($"a deletion step in {region} did not end within {within.TotalSeconds} s");
    }

    public void Open(string region)
    {
        lock (_gate)
        {
            _closed.Remove(region);
        }
    }
}
