using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Mrk.Chaos.Network;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>
/// The namespace network against real sockets: a process inside a member's namespace reaches the harness's end of its
/// link; an iptables cut refuses (reject) or silences (drop) exactly that endpoint; healing restores it; disposal leaves
/// no namespace and no address behind.
/// </summary>
public sealed class NamespaceNetworkTests
{
    [SkippableFact]
    public async Task Cut_RejectsOrSilences_HealRestores_DisposeRemovesEverything()
    {
        await NetnsRequirement.EnsureAsync();
        var network = await NamespaceNetwork.CreateAsync(["a", "b"]).WithTimeout(TimeSpan.FromMinutes(1));
        var ns = network.Namespace("a");
        var host = network.Host("a");
        try
        {
            Assert.NotEqual(network.Inside("a"), network.Inside("b"));
            using var listener = new TcpListener(host, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var other = new TcpListener(host, 0);
            other.Start();
            var otherPort = ((IPEndPoint)other.LocalEndpoint).Port;

            Assert.Equal(0, await ConnectFromAsync(ns, host, port));

            // A connection open before the cut is reset at its next write: the first write draws the reset, the second fails.
            var open = HostCommand.TryRunAsync("ip", "netns", "exec", ns, "timeout", "10", "bash", "-c",
                $"exec 3<>/dev/tcp/{host}/{port}; echo ready; sleep 1.5; echo a >&3; sleep 0.5; echo b >&3");
            using var accepted = await listener.AcceptSocketAsync().WithTimeout();
            await network.CutAsync("a", host, port, reset: true).WithTimeout();
            var (openExit, _, _) = await open.WithTimeout();
            Assert.True(openExit is not 0 and not 124, $"an open connection should be reset by the cut, got exit code {openExit}");

            var refused = Stopwatch.StartNew();
            var rejected = await ConnectFromAsync(ns, host, port);
            Assert.True(rejected is not 0 and not 124, $"a rejected connection should fail at once, got exit code {rejected}");
            Assert.True(refused.Elapsed < TimeSpan.FromSeconds(2.5), $"rejecting took {refused.Elapsed}");
            Assert.Equal(0, await ConnectFromAsync(ns, host, otherPort));
            Assert.Contains("REJECT", await network.RulesAsync("a").WithTimeout(), StringComparison.Ordinal);

            await network.HealAsync("a").WithTimeout();
            Assert.Equal(0, await ConnectFromAsync(ns, host, port));

            await network.CutAsync("a", host, port, reset: false).WithTimeout();
            Assert.Equal(124, await ConnectFromAsync(ns, host, port));
            Assert.Equal(0, await ConnectFromAsync(ns, host, otherPort));

            await network.HealAsync("a").WithTimeout();
            Assert.DoesNotContain("-A ", await network.RulesAsync("a").WithTimeout(), StringComparison.Ordinal);
            Assert.Equal(0, await ConnectFromAsync(ns, host, port));
        }
        finally
        {
            await network.DisposeAsync();
        }

        Assert.DoesNotContain(ns, await HostCommand.RunAsync("ip", "netns", "list").WithTimeout(), StringComparison.Ordinal);
        Assert.DoesNotContain($" {host}/", await HostCommand.RunAsync("ip", "-4", "-o", "addr", "show").WithTimeout(), StringComparison.Ordinal);
    }

    /// <summary>A TCP connect from inside the namespace, bounded by 2 s: 0 connected, 124 timed out, else refused.</summary>
    private static async Task<int> ConnectFromAsync(string ns, IPAddress address, int port)
    {
        var (exitCode, _, _) = await HostCommand.TryRunAsync("ip", "netns", "exec", ns, "timeout", "2", "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}")
            .WithTimeout();
        return exitCode;
    }
}
