using System.Collections.Concurrent;

namespace Grpc.Mrk.ControlPlane.Relay;

/// <summary>Which Regions hold a stream now, when each was last seen, and a doorbell per Region for new envelopes.</summary>
public sealed class RegionConnections(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _doorbells = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _deadLetters = new(StringComparer.Ordinal);

    /// <summary>Raised when a Region's stream here opens (true) or ends without a newer one (false).</summary>
    public event Action<string, bool>? Changed;

    /// <summary>The Regions whose streams this ControlPlane holds now.</summary>
    public IReadOnlyList<string> Connected() => [.. _connections.Keys];

    /// <summary>Registers a new stream for a Region, ending the one it replaces (a reconnect wins over a stale stream).</summary>
    public Connection Open(string region)
    {
        var connection = new Connection(region);
        if (_connections.TryGetValue(region, out var previous))
        {
            try
            {
                previous.Replaced.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // That stream has just ended by itself.
            }
        }

        _connections[region] = connection;
        Touch(region);
        Changed?.Invoke(region, true);
        return connection;
    }

    public void Close(Connection connection)
    {
        var last = _connections.TryRemove(new KeyValuePair<string, Connection>(connection.Region, connection));
        Touch(connection.Region);
        if (last)
        {
            Changed?.Invoke(connection.Region, false);
        }

        connection.Replaced.Dispose();
    }

    public bool IsConnected(string region) => _connections.ContainsKey(region);

    public DateTimeOffset? LastSeen(string region) => _lastSeen.TryGetValue(region, out var at) ? at : null;

    public void Touch(string region) => _lastSeen[region] = time.GetUtcNow();

    /// <summary>What the Region last reported of the envelopes it set aside.</summary>
    public void Report(string region, long deadLetters) => _deadLetters[region] = deadLetters;

    public long DeadLetters(string region) => _deadLetters.TryGetValue(region, out var count) ? count : 0;

    /// <summary>Wakes the delivery loop of <paramref name="region"/>.</summary>
    public void Ring(string region) => Doorbell(region).Release();

    public async Task WaitForRingAsync(string region, TimeSpan atMost, CancellationToken cancellationToken)
    {
        var doorbell = Doorbell(region);
        await doorbell.WaitAsync(atMost, cancellationToken).ConfigureAwait(false);
        while (doorbell.CurrentCount > 0)
        {
            await doorbell.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }

    private SemaphoreSlim Doorbell(string region) => _doorbells.GetOrAdd(region, _ => new SemaphoreSlim(0));

    public sealed class Connection(string region)
    {
        public string Region { get; } = region;

        public CancellationTokenSource Replaced { get; } = new();
    }
}
