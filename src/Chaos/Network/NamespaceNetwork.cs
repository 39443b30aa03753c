using System.ComponentModel;
using System.Globalization;
using System.Net;

namespace Grpc.Mrk.Chaos.Network;

/// <summary>
/// Puts each cluster process in a network namespace of its own, joined to the harness's namespace by a veth pair with a
/// /30 of 198.18.0.0/15 (the range set aside for network benchmarking, routed nowhere). Nothing is forwarded between
/// namespaces: a Region reaches the ControlPlane only through the harness's proxy on its own link, so a partition is
/// an iptables rule inside that Region's namespace, and the host's own firewall is never touched. Every namespace is
/// removed on disposal, and those of earlier runs whose process is gone are removed on creation.
/// </summary>
public sealed class NamespaceNetwork : IAsyncDisposable
{
    private const string Prefix = "mrkc-";

    // Choosing a free block and taking its addresses must not interleave with another creation in this process.
    private static readonly SemaphoreSlim Creating = new(1, 1);
    private static int _created;
    private static int _probes;

    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);

    private NamespaceNetwork()
    {
    }

    /// <summary>Why namespaces cannot be used here, or null when they can (root, ip, iptables, and a namespace that takes a rule).</summary>
    public static async Task<string?> UnavailableAsync()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "network namespaces need root";
        }

        var probe = $"{Prefix}{Environment.ProcessId}-probe{Interlocked.Increment(ref _probes)}";
        try
        {
            var added = await HostCommand.TryRunAsync("ip", "netns", "add", probe).ConfigureAwait(false);
            if (added.ExitCode != 0)
            {
                return $"`ip netns add` failed: {added.Error.Trim()}";
            }

            var rule = await HostCommand.TryRunAsync("ip", "netns", "exec", probe, "iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "9", "-j", "DROP")
                .ConfigureAwait(false);
            return rule.ExitCode == 0 ? null : $"iptables in a namespace failed: {rule.Error.Trim()}";
        }
        catch (Win32Exception e)
        {
            return $"a tool is missing (install iproute2 and iptables): {e.Message}";
        }
        finally
        {
            await HostCommand.TryRunAsync("ip", "netns", "del", probe).ConfigureAwait(false);
        }
    }

    /// <summary>One namespace and link per member name (e.g. "controlplane", "us-east-1").</summary>
    public static async Task<NamespaceNetwork> CreateAsync(IReadOnlyList<string> members)
    {
        await Creating.WaitAsync().ConfigureAwait(false);
        try
        {
            return await CreateOneAsync(members).ConfigureAwait(false);
        }
        finally
        {
            Creating.Release();
        }
    }

    private static async Task<NamespaceNetwork> CreateOneAsync(IReadOnlyList<string> members)
    {
        await RemoveStaleAsync().ConfigureAwait(false);
        var run = Interlocked.Increment(ref _created);
        var tag = Convert.ToString(Environment.ProcessId, 16) + run.ToString(CultureInfo.InvariantCulture);
        var block = await FreeBlockAsync().ConfigureAwait(false);
        var network = new NamespaceNetwork();
        try
        {
            for (var i = 0; i < members.Count; i++)
            {
                var member = new Member(
                    $"{Prefix}{Environment.ProcessId}-{run}-{i}", $"mk{tag}h{i}", $"mk{tag}n{i}",
                    IPAddress.Parse($"198.18.{block}.{(4 * i) + 1}"), IPAddress.Parse($"198.18.{block}.{(4 * i) + 2}"));
                network._members[members[i]] = member;
                await HostCommand.RunAsync("ip", "netns", "add", member.Namespace).ConfigureAwait(false);
                await HostCommand.RunAsync("ip", "link", "add", member.HostLink, "type", "veth", "peer", "name", member.InsideLink, "netns", member.Namespace)
                    .ConfigureAwait(false);
                await HostCommand.RunAsync("ip", "addr", "add", $"{member.Host}/30", "dev", member.HostLink).ConfigureAwait(false);
                await HostCommand.RunAsync("ip", "link", "set", member.HostLink, "up").ConfigureAwait(false);
                await HostCommand.RunAsync("ip", "-n", member.Namespace, "addr", "add", $"{member.Inside}/30", "dev", member.InsideLink).ConfigureAwait(false);
                await HostCommand.RunAsync("ip", "-n", member.Namespace, "link", "set", member.InsideLink, "up").ConfigureAwait(false);
                await HostCommand.RunAsync("ip", "-n", member.Namespace, "link", "set", "lo", "up").ConfigureAwait(false);
            }

            return network;
        }
        catch
        {
            await network.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public IEnumerable<IPAddress> Addresses => _members.Values.SelectMany(m => new[] { m.Host, m.Inside });

    /// <summary>The namespace a member's process runs in.</summary>
    public string Namespace(string member) => _members[member].Namespace;

    /// <summary>The member's address inside its namespace (where its process listens).</summary>
    public IPAddress Inside(string member) => _members[member].Inside;

    /// <summary>The harness's end of the member's link (where the member reaches the harness and its proxies).</summary>
    public IPAddress Host(string member) => _members[member].Host;

    /// <summary>
    /// Cuts the member off from one TCP endpoint on the harness's side of its link: packets both ways dropped (a silent
    /// partition: open connections hang until a timeout notices), or answered with TCP resets on both sides (a route
    /// gone). The reset rules let resets themselves pass, so the one each rule sends reaches its socket.
    /// </summary>
    public async Task CutAsync(string member, IPAddress peer, int port, bool reset)
    {
        var ns = Namespace(member);
        string[] verdict = reset ? ["!", "--tcp-flags", "RST", "RST", "-j", "REJECT", "--reject-with", "tcp-reset"] : ["-j", "DROP"];
        var p = port.ToString(CultureInfo.InvariantCulture);
        await IptablesAsync(ns, ["-A", "OUTPUT", "-p", "tcp", "-d", peer.ToString(), "--dport", p, .. verdict]).ConfigureAwait(false);
        await IptablesAsync(ns, ["-A", "INPUT", "-p", "tcp", "-s", peer.ToString(), "--sport", p, .. verdict]).ConfigureAwait(false);
    }

    /// <summary>Removes every rule in the member's namespace (the harness is the only one that adds any).</summary>
    public Task HealAsync(string member) => IptablesAsync(Namespace(member), ["-F"]);

    /// <summary>The rules now in the member's namespace, as `iptables -S` prints them.</summary>
    public Task<string> RulesAsync(string member) => IptablesAsync(Namespace(member), ["-S"]);

    private static Task<string> IptablesAsync(string ns, string[] rule) => HostCommand.RunAsync("ip", ["netns", "exec", ns, "iptables", .. rule]);

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members.Values)
        {
            // Deleting a link deletes its peer at once; a deleted namespace would take its links down only when the
            // kernel gets round to freeing it.
            await HostCommand.TryRunAsync("ip", "link", "del", member.HostLink).ConfigureAwait(false);
            await HostCommand.TryRunAsync("ip", "netns", "del", member.Namespace).ConfigureAwait(false);
        }
    }

    /// <summary>A /24 of 198.18.0.0/16 that no address of the harness's namespace is in yet.</summary>
    private static async Task<int> FreeBlockAsync()
    {
        var used = await HostCommand.RunAsync("ip", "-4", "-o", "addr", "show").ConfigureAwait(false);
        var first = Environment.ProcessId % 256;
        for (var n = 0; n < 256; n++)
        {
            var block = (first + n) % 256;
            if (!used.Contains($" 198.18.{block}.", StringComparison.Ordinal))
            {
                return block;
            }
        }

        throw new InvalidOperationException("Every /24 of 198.18.0.0/16 already has an address here.");
    }

    /// <summary>Namespaces left by a harness that was killed before it could remove them.</summary>
    private static async Task RemoveStaleAsync()
    {
        var list = await HostCommand.RunAsync("ip", "netns", "list").ConfigureAwait(false);
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)
                || !int.TryParse(name[Prefix.Length..].Split('-')[0], CultureInfo.InvariantCulture, out var pid)
                || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            await HostCommand.TryRunAsync("ip", "netns", "del", name).ConfigureAwait(false);
        }
    }

    private sealed record Member(string Namespace, string HostLink, string InsideLink, IPAddress Host, IPAddress Inside);
}
