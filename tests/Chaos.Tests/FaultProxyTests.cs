using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>The proxy against a real echo server on 127.0.0.1: each link mode does to bytes what it says.</summary>
public sealed class FaultProxyTests : IAsyncLifetime
{
    private readonly TcpListener _echo = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task? _serving;

    public Task InitializeAsync()
    {
        _echo.Start();
        _serving = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _echo.AcceptSocketAsync(_stop.Token);
                _ = Task.Run(async () =>
                {
                    var buffer = new byte[1024];
                    try
                    {
                        int read;
                        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
                        {
                            await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                        }
                    }
                    catch (Exception e) when (e is SocketException or OperationCanceledException)
                    {
                        // The test closed or reset the connection.
                    }
                    finally
                    {
                        socket.Dispose();
                    }
                });
            }
        });
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Open_CarriesBytesBothWays()
    {
        await using var proxy = new FaultProxy((IPEndPoint)_echo.LocalEndpoint);
        using var client = await ConnectAsync(proxy);
        Assert.Equal("hello", await EchoAsync(client, "hello"));
        Assert.Equal(1, proxy.Connections);
    }

    [Fact]
    public async Task Reset_ClosesLiveConnections_AndRefusesNewOnes_UntilOpenAgain()
    {
        await using var proxy = new FaultProxy((IPEndPoint)_echo.LocalEndpoint);
        using var live = await ConnectAsync(proxy);
        Assert.Equal("before", await EchoAsync(live, "before"));

        proxy.Set(LinkMode.Reset);
        await Assert.ThrowsAnyAsync<Exception>(() => EchoAsync(live, "during"));
        // The kernel may finish the handshake before the proxy resets it, so the refusal shows at connect or at first use.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var refused = await ConnectAsync(proxy);
            await EchoAsync(refused, "refused");
        });

        proxy.Set(LinkMode.Open);
        using var after = await ConnectAsync(proxy);
        Assert.Equal("after", await EchoAsync(after, "after"));
    }

    [Fact]
    public async Task Blackhole_DeliversNothing_AndHealingResetsTheSilencedConnection()
    {
        await using var proxy = new FaultProxy((IPEndPoint)_echo.LocalEndpoint);
        using var live = await ConnectAsync(proxy);
        proxy.Set(LinkMode.Blackhole);
        await live.SendAsync(Encoding.ASCII.GetBytes("lost"), SocketFlags.None);
        var receiving = live.ReceiveAsync(new byte[16], SocketFlags.None);
        // Once the proxy holds the bytes, nothing that reaches the echo server can come back: check then, not after a pause.
        await Eventually.TrueAsync(() => Task.FromResult(proxy.HeldReads > 0), TimeSpan.FromSeconds(10), "the proxy to hold the bytes");
        Assert.False(receiving.IsCompleted, "a silenced link delivered bytes");

        proxy.Set(LinkMode.Open);
        // The held connection is reset rather than delivering late: the receive ends with 0 bytes or an error.
        try
        {
            Assert.Equal(0, await receiving.WithTimeout(TimeSpan.FromSeconds(10)));
        }
        catch (SocketException)
        {
            // Reset by the proxy.
        }

        using var fresh = await ConnectAsync(proxy);
        Assert.Equal("fresh", await EchoAsync(fresh, "fresh"));
    }

    [Fact]
    public async Task Slow_DelaysEveryChunk()
    {
        await using var proxy = new FaultProxy((IPEndPoint)_echo.LocalEndpoint);
        using var client = await ConnectAsync(proxy);
        proxy.Set(LinkMode.Slow, TimeSpan.FromMilliseconds(150));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal("slow", await EchoAsync(client, "slow"));
        Assert.True(clock.ElapsedMilliseconds >= 280, $"round trip took {clock.ElapsedMilliseconds} ms, expected two delays of 150 ms");
    }

    private static async Task<Socket> ConnectAsync(FaultProxy proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Port)).WithTimeout();
        return socket;
    }

    private static async Task<string> EchoAsync(Socket socket, string text)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None).WithTimeout();
        var buffer = new byte[64];
        var received = 0;
        while (received < text.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None).AsTask().WithTimeout(TimeSpan.FromSeconds(5));
            if (read == 0)
            {
                throw new IOException("connection closed");
            }

            received += read;
        }

        return Encoding.ASCII.GetString(buffer, 0, received);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _echo.Stop();
        try
        {
            await _serving!;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }
}
