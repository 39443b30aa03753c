using Grpc.Mrk.Chaos.Network;

namespace Grpc.Mrk.Chaos.Tests;

/// <summary>
/// The tests that put processes in network namespaces need root, ip and iptables (scripts/test.sh installs iptables).
/// On a machine without them they fail and say why; MRK_SKIP_NETNS=1 reports them skipped instead, as the test
/// script does for the compose testbed and the generated clients.
/// </summary>
internal static class NetnsRequirement
{
    public static bool SkipAsked => Environment.GetEnvironmentVariable("MRK_SKIP_NETNS") == "1";

    /// <summary>Skipped when asked; otherwise fails with the reason unless namespaces work here.</summary>
    public static async Task EnsureAsync()
    {
        Skip.If(SkipAsked, "MRK_SKIP_NETNS=1");
        await AssertAvailableAsync();
    }

    public static async Task AssertAvailableAsync()
    {
        var unavailable = await NamespaceNetwork.UnavailableAsync();
        Assert.True(unavailable is null, $"network namespaces cannot be used here ({unavailable}); MRK_SKIP_NETNS=1 skips these tests");
    }
}
