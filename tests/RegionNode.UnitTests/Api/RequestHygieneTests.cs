using Google.Protobuf.WellKnownTypes;
using Grpc.Mrk.Cluster;
using Grpc.Mrk.RegionNode.Api;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.UnitTests.Api;

public sealed class RequestHygieneTests
{
    [Theory]
    [InlineData(0, 2147483647)]
    [InlineData(30, -1)]
    [InlineData(-2147483648L * 100_000, 0)]
    [InlineData(253_402_300_800, 0)]
    public void TimestampOutsideItsRange_IsAValidationError(long seconds, int nanos)
    {
        var refusal = Assert.Throws<KmsException>(() => ProtoTime.Read(new Timestamp { Seconds = seconds, Nanos = nanos }, "validTo"));
        Assert.Equal(KmsErrorCodes.Validation, refusal.ErrorCode);
        Assert.Contains("validTo", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidTimestamps_AndNone_AreRead()
    {
        Assert.Null(ProtoTime.Read(null, "validTo"));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(30), ProtoTime.Read(new Timestamp { Seconds = 30 }, "validTo"));
        Assert.Equal(new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero), ProtoTime.Read(new Timestamp { Seconds = 253_402_300_799 }, "validTo"));
    }

    [Fact]
    public void LogText_EscapesControlCharacters_SoNoInputForgesALogLine()
    {
        Assert.Equal("alias/x\\u000a2026-01-01 info: forged\\u0000", LogText.Safe("alias/x\n2026-01-01 info: forged\0"));
        Assert.Equal("plain text stays as it is", LogText.Safe("plain text stays as it is"));
        Assert.Equal(string.Empty, LogText.Safe(null));
    }

    [Fact]
    public void LogText_CutsLongValues()
    {
        var safe = LogText.Safe(new string('a', 70_000));
        Assert.StartsWith(new string('a', LogText.MaxLength), safe, StringComparison.Ordinal);
        Assert.EndsWith("... (70000 characters)", safe, StringComparison.Ordinal);
    }
}
