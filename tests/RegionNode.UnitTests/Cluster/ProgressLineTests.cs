using Grpc.Mrk.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace Grpc.Mrk.RegionNode.UnitTests.Cluster;

public sealed class ProgressLineTests
{
    [Fact]
    public void NotATerminal_NothingIsWritten()
    {
        var writer = new StringWriter();
        var time = new FakeTimeProvider();
        using (var progress = new ProgressLine(writer, interactive: false, "issuing", time))
        {
            progress.Report("1/3 Regions");
            time.Advance(TimeSpan.FromSeconds(5));
        }

        Assert.Equal(string.Empty, writer.ToString());
    }

    [Fact]
    public void OnATerminal_OneLineIsRewrittenEachSecondAndOnEachReport_ThenCleared()
    {
        var writer = new StringWriter();
        var time = new FakeTimeProvider();
        var progress = new ProgressLine(writer, interactive: true, "verifying the audit log of us-east-1", time);
        Assert.Equal("\rverifying the audit log of us-east-1 (0 s)", writer.ToString());

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.EndsWith("\rverifying the audit log of us-east-1 (2 s)", writer.ToString(), StringComparison.Ordinal);

        progress.Report("3/12");
        Assert.EndsWith("\rverifying the audit log of us-east-1: 3/12 (2 s)", writer.ToString(), StringComparison.Ordinal);
        var widest = "verifying the audit log of us-east-1: 3/12 (2 s)".Length;

        progress.Dispose();
        Assert.EndsWith("\r" + new string(' ', widest) + "\r", writer.ToString(), StringComparison.Ordinal);
        var length = writer.ToString().Length;
        time.Advance(TimeSpan.FromSeconds(3));
        progress.Report("late");
        Assert.Equal(length, writer.ToString().Length);
        Assert.DoesNotContain('\n', writer.ToString());
    }

    [Fact]
    public void NotATerminal_LogLinesAndReportOrLog_AreKeptAsLines()
    {
        var writer = new StringWriter { NewLine = "\n" };
        using (var progress = new ProgressLine(writer, interactive: false, "mrk-bench scale", new FakeTimeProvider()))
        {
            progress.Log("iteration 1/2: 40 acknowledged");
            progress.ReportOrLog("created 1000/2000");
            progress.Report("only in a terminal");
        }

        Assert.Equal("iteration 1/2: 40 acknowledged\nmrk-bench scale: created 1000/2000\n", writer.ToString());
    }

    [Fact]
    public void OnATerminal_ALogLineClearsTheProgressLine_WhichIsDrawnAgainBelowIt()
    {
        var writer = new StringWriter { NewLine = "\n" };
        var progress = new ProgressLine(writer, interactive: true, "mrk-chaos run", new FakeTimeProvider());
        progress.Report("iteration 1/2: settling");
        progress.Log("iteration 1/2: 40 acknowledged");
        var width = "mrk-chaos run: iteration 1/2: settling (0 s)".Length;
        Assert.EndsWith("\r" + new string(' ', width) + "\riteration 1/2: 40 acknowledged\n\rmrk-chaos run: iteration 1/2: settling (0 s)", writer.ToString(),
            StringComparison.Ordinal);

        progress.ReportOrLog("iteration 2/2: workload and faults");
        Assert.EndsWith("\rmrk-chaos run: iteration 2/2: workload and faults (0 s)", writer.ToString(), StringComparison.Ordinal);
        progress.Dispose();
    }
}
