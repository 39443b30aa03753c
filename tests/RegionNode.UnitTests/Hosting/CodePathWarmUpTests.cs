using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Grpc.Mrk.RegionNode.UnitTests.Hosting;

public sealed class CodePathWarmUpTests
{
    [Fact]
    public void EveryStepRuns_OnMadeUpValuesAlone()
    {
        var warmUp = new CodePathWarmUp(Options.Create(new RegionNodeOptions()), new RegionIdentity("us-east-1", "aws", "111122223333"),
            NullLogger<CodePathWarmUp>.Instance);

        Assert.Empty(warmUp.Run(CancellationToken.None));
    }
}
