using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.RegionNode.UnitTests.Cluster;

public sealed class IdleMemoryReturnTests
{
    private const long Busy = IdleMemoryReturn.QuietAllocationBytes;
    private const long Quiet = IdleMemoryReturn.QuietAllocationBytes - 1;
    private const long Plenty = 60L * 1024 * 1024;

    [Fact]
    public void OncePerBusyPeriod_AtItsFirstQuietLook()
    {
        var periods = new IdleMemoryReturn.BusyPeriods();
        Assert.True(periods.Look(Quiet, Plenty));   // starting up was busy
        Assert.False(periods.Look(Quiet, Plenty));  // still quiet: nothing new to return
        Assert.False(periods.Look(Busy, Plenty));   // a burst: never under load
        Assert.False(periods.Look(Busy, Plenty));
        Assert.True(periods.Look(Quiet, Plenty));   // the burst is over
        Assert.False(periods.Look(Quiet, Plenty));
    }

    [Fact]
    public void LittleCommitted_IsLeftAlone_UntilThereIsSomethingToReturn()
    {
        var periods = new IdleMemoryReturn.BusyPeriods();
        Assert.False(periods.Look(Quiet, IdleMemoryReturn.WorthReturningBytes));
        Assert.True(periods.Look(Quiet, IdleMemoryReturn.WorthReturningBytes + 1));
    }

    [Fact]
    public void TheCHeap_IsTrimmedOnThisSystem()
    {
        // glibc's malloc_trim exists on every Linux this project runs on (Debian and the runtime-deps images).
        Assert.Equal(OperatingSystem.IsLinux(), CHeap.Trim());
    }
}
