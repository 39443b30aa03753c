using Grpc.Mrk.RegionNode.Replication;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>How a Region reads its ControlPlane replicas and moves between them.</summary>
public sealed class ControlPlaneEndpointsTests
{
    private static readonly string[] Three = ["https://cp-0:7100", "https://cp-1:7100", "https://cp-2:7100"];

    [Fact]
    public void Parse_TakesCommaSeparatedHttpsAddresses_AndRefusesAnythingElseByName()
    {
        var endpoints = ControlPlaneEndpoints.Parse(string.Join(" , ", Three), "us-east-1", out var problem);
        Assert.Null(problem);
        Assert.Equal(Three.Select(a => new Uri(a)), endpoints!.All);

        Assert.Null(ControlPlaneEndpoints.Parse("https://cp-0:7100,http://cp-1:7100", "us-east-1", out problem));
        Assert.Contains("'http://cp-1:7100'", problem, StringComparison.Ordinal);
        Assert.Null(ControlPlaneEndpoints.Parse(" , ", "us-east-1", out problem));
        Assert.Equal("--controlplane names no address.", problem);
        Assert.Single(ControlPlaneEndpoints.Parse("https://cp-0:7100,https://cp-0:7100", "us-east-1", out _)!.All);
    }

    [Fact]
    public void Regions_StartSpreadOverTheReplicas_EachAlwaysAtTheSameOne()
    {
        var starts = new[] { "us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1", "ap-northeast-1" }
            .Select(r => ControlPlaneEndpoints.Parse(string.Join(",", Three), r, out _)!.Current)
            .ToList();
        Assert.True(starts.Distinct().Count() > 1, "every Region started at the same replica");
        Assert.Equal(ControlPlaneEndpoints.Parse(string.Join(",", Three), "eu-west-1", out _)!.Current,
            ControlPlaneEndpoints.Parse(string.Join(",", Three), "eu-west-1", out _)!.Current);
    }

    [Fact]
    public void MoveOn_GoesRoundEveryReplica_AndAStaleFailureMovesNothing()
    {
        var endpoints = ControlPlaneEndpoints.Parse(string.Join(",", Three), "us-east-1", out _)!;
        var first = endpoints.Current;
        var second = endpoints.MoveOn(first);
        Assert.NotEqual(first, second);
        // Reported again by a caller that still held the first one: the link has already moved on.
        Assert.Equal(second, endpoints.MoveOn(first));
        var third = endpoints.MoveOn(second);
        Assert.Equal(first, endpoints.MoveOn(third));
        Assert.Equal(3, new[] { first, second, third }.Distinct().Count());
        Assert.Equal(endpoints.Current, endpoints.StartingWithCurrent().First());
        Assert.Equal(3, endpoints.StartingWithCurrent().Distinct().Count());
    }
}
