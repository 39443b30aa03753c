using System.Net;
using System.Net.Sockets;

namespace Grpc.Mrk.Chaos;

/// <summary>What a <see cref="FaultProxy"/> does to the traffic it carries.</summary>
public enum LinkMode
{
    /// <summary>Bytes pass through unchanged.</summary>
    Open,

    /// <summary>Every connection is reset and new ones are refused, as when a route disappears.</summary>
    Reset,

    /// <summary>Connections are accepted and kept, but no byte passes in either direction (a silent partition);
    /// when the link heals they are reset, as a peer's stale TCP state would be.</summary>
    Blackhole,

    /// <summary>Bytes pass after a delay per chunk in each direction.</summary>
    Slow,

    /// <summary>
    /// The next bytes read in either direction pass only in part, then the connection is reset: what was being sent
    /// (a batch of envelopes, an acknowledgement) arrives cut short. New connections meet the same until the link heals.
    /// </summary>
    CutMidway,
}

/// <summary>
/// A TCP proxy (on 127.0.0.1 unless told otherwise) in front of one endpoint, whose link can be cut, silenced or slowed on demand. TLS passes
/// through it untouched (it sees only ciphertext), so the processes on either side run exactly as in production.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Pair> _pairs = [];
    private readonly Task _accepting;
    private LinkMode _mode = LinkMode.Open;
    private TimeSpan _delay;

    private long _heldReads;
    private long _cutReads;

    public FaultProxy(IPEndPoint target)
        : this(IPAddress.Loopback, target)
    {
    }

    /// <summary>A proxy listening on a free port of <paramref name="listen"/>.</summary>
    public FaultProxy(IPAddress listen, IPEndPoint target)
    {
        _target = target;
        _listener = new TcpListener(listen, 0);
        _listener.Start();
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    /// <summary>Where the proxy listens.</summary>
    public IPEndPoint Endpoint { get; }

    public int Port => Endpoint.Port;

    public LinkMode Mode
    {
        get
        {
            lock (_gate)
            {
                return _mode;
            }
        }
    }

    /// <summary>Connections carried so far (for the report: each partition should have forced reconnects).</summary>
    public long Connections { get; private set; }

    /// <summary>Reads a silenced link has held back so far: a point at which a test knows bytes reached the proxy and stopped there.</summary>
    public long HeldReads => Interlocked.Read(ref _heldReads);

    /// <summary>Reads a link cut midway has passed in part before resetting their connection.</summary>
    public long CutReads => Interlocked.Read(ref _cutReads);

    public void Set(LinkMode mode, TimeSpan delay = default)
    {
        List<Pair> reset;
        lock (_gate)
        {
            var healing = _mode == LinkMode.Blackhole && mode != LinkMode.Blackhole;
            _mode = mode;
            _delay = delay;
            reset = mode == LinkMode.Reset || healing ? [.. _pairs] : [];
        }

        foreach (var pair in reset)
        {
            pair.Reset();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (Mode == LinkMode.Reset)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            _ = CarryAsync(client);
        }
    }

    private async Task CarryAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The endpoint is down (killed or not yet restarted): the caller sees its connection reset, as without a proxy.
            client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            server.Dispose();
            return;
        }

        var pair = new Pair(client, server);
        lock (_gate)
        {
            _pairs.Add(pair);
            Connections++;
        }

        try
        {
            await Task.WhenAll(PumpAsync(client, server, pair), PumpAsync(server, client, pair)).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _pairs.Remove(pair);
            }

            pair.Reset();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, Pair pair)
    {
        var cancellationToken = pair.Token;
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                LinkMode mode;
                TimeSpan delay;
                lock (_gate)
                {
                    (mode, delay) = (_mode, _delay);
                }

                // A silenced link holds what it read until it heals (then the connection is reset, so nothing held is
                // ever delivered late and out of order).
                if (mode == LinkMode.Blackhole)
                {
                    Interlocked.Increment(ref _heldReads);
                }

                while (mode == LinkMode.Blackhole)
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false);
                    lock (_gate)
                    {
                        mode = _mode;
                    }
                }

                if (mode == LinkMode.Slow && delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }

                if (mode == LinkMode.CutMidway)
                {
                    // Part of what was read (never all of it, never nothing when there is more than a byte), then the reset.
                    var part = read > 1 ? Random.Shared.Next(1, read) : 0;
                    for (var passed = 0; passed < part;)
                    {
                        passed += await to.SendAsync(buffer.AsMemory(passed, part - passed), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    }

                    Interlocked.Increment(ref _cutReads);
                    pair.Reset();
                    return;
                }

                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Either side went away or the link was reset: the pair ends.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        List<Pair> all;
        lock (_gate)
        {
            all = [.. _pairs];
        }

        foreach (var pair in all)
        {
            pair.Reset();
        }

        _stop.Dispose();
    }

    private sealed class Pair : IDisposable
    {
        private readonly Socket _client;
        private readonly Socket _server;
        private readonly CancellationTokenSource _cancel = new();
        private int _reset;

        public Pair(Socket client, Socket server)
        {
            (_client, _server) = (client, server);
            Token = _cancel.Token;
        }

        public CancellationToken Token { get; }

        /// <summary>Closes both sides with RST and stops both pumps; safe to call more than once.</summary>
        public void Reset()
        {
            if (Interlocked.Exchange(ref _reset, 1) == 1)
            {
                return;
            }

            _cancel.Cancel();
            foreach (var socket in new[] { _client, _server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Already closed.
                }

                socket.Dispose();
            }

            _cancel.Dispose();
        }

        public void Dispose() => Reset();
    }
}
