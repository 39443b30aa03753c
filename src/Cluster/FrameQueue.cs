using System.Threading.Channels;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Acknowledgements written to a stream by their own task, so the loop that reads the stream's other direction never
/// waits for a write. If both ends of a relay stream waited to write while the other was not reading, HTTP/2 flow
/// control would stop both for good once the windows filled (as a burst of thousands of envelopes does).
/// </summary>
public sealed class FrameQueue<T> : IAsyncDisposable
{
    private readonly Channel<T> _frames;
    private readonly Task _pump;

    /// <param name="write">Writes one frame to the stream.</param>
    /// <param name="failed">Called once if a write fails: the stream is gone, so its reader should stop.</param>
    /// <param name="capacity">Frames that may wait; a reader queueing more waits until some are written.</param>
    public FrameQueue(Func<T, Task> write, Action failed, int capacity = 65_536)
    {
        _frames = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var frame in _frames.Reader.ReadAllAsync().ConfigureAwait(false))
                {
                    await write(frame).ConfigureAwait(false);
                }
            }
#pragma warning disable CA1031 // Any failure to write means the stream is gone; the reader is told to stop.
            catch (Exception)
#pragma warning restore CA1031
            {
                _frames.Writer.TryComplete();
                failed();
            }
        });
    }

    public ValueTask EnqueueAsync(T frame, CancellationToken cancellationToken) => _frames.Writer.WriteAsync(frame, cancellationToken);

    /// <summary>Queues a frame without waiting; false when the queue is full or the stream is gone (the frame is dropped).</summary>
    public bool TryEnqueue(T frame) => _frames.Writer.TryWrite(frame);

    /// <summary>Writes what is queued (unless the stream has failed), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _frames.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }
}
