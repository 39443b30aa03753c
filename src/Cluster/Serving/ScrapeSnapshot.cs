namespace Grpc.Mrk.Cluster.Serving;

/// <summary>
/// What a server reads from its store for its metrics, read again when they are scraped but at most once a second, so
/// scrapes however frequent cost the store one grouped read a second and the calls' path nothing.
/// </summary>
public sealed class ScrapeSnapshot<T>(Func<CancellationToken, Task<T>> read, T initial, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan AtMostEvery = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _reading = new(1, 1);

    public T Value { get; private set; } = initial;

    public DateTimeOffset TakenAt { get; private set; } = DateTimeOffset.MinValue;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (now - TakenAt >= AtMostEvery)
            {
                Value = await read(cancellationToken).ConfigureAwait(false);
                TakenAt = now;
            }
        }
        finally
        {
            _reading.Release();
        }
    }

    public void Dispose() => _reading.Dispose();
}
