using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Free ports on 127.0.0.1 for processes started later (and started again on the same port). A port the kernel hands
/// out for port 0 comes from the ephemeral range, which outgoing connections also draw from: while a fuzzer or another
/// cluster opens connections by the thousand, one of them can take that port before the process binds it. So ports are
/// drawn below that range, where only a listener can take them, and never twice in one process.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 10_000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];

    public static int Take()
    {
        var below = EphemeralRangeStart();
        lock (Gate)
        {
            for (var attempt = 0; attempt < 200 && below - Lowest > 1_000; attempt++)
            {
                var port = System.Security.Cryptography.RandomNumberGenerator.GetInt32(Lowest, below);
                if (!HandedOut.Contains(port) && CanListen(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        // No room below the ephemeral range on this machine: fall back to a port the kernel picks.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool CanListen(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
