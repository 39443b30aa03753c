using Grpc.Mrk.Cluster;
using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Cluster;

public sealed class ConsoleKeyFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mrk-console-keys-").FullName;

    private string File => Path.Combine(_directory, "keys");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Create_WritesOnlyTheHash_OwnerOnly_AndTheTokenMatchesItsEntryAlone()
    {
        var (first, token) = ConsoleKeyFile.Create(File, "ops laptop", TimeProvider.System);
        var (second, _) = ConsoleKeyFile.Create(File, "", TimeProvider.System);
        var text = System.IO.File.ReadAllText(File);
        var (keyId, secret) = ConsoleKeyFile.ParseToken(token)!.Value;

        Assert.Equal(first.KeyId, keyId);
        Assert.DoesNotContain(TokenText.SecretOf(token), text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(File));
        var entries = ConsoleKeyFile.Parse(text);
        Assert.Equal([first.KeyId, second.KeyId], entries.Select(e => e.KeyId));
        Assert.Equal("ops laptop", entries[0].Label);
        Assert.True(ConsoleKeyFile.Matches(entries[0], secret));
        Assert.False(ConsoleKeyFile.Matches(entries[1], secret));
    }

    [Fact]
    public void Revoke_RemovesOnlyThatKey_AndKeepsThePermissions()
    {
        var (first, _) = ConsoleKeyFile.Create(File, "a", TimeProvider.System);
        var (second, _) = ConsoleKeyFile.Create(File, "b", TimeProvider.System);

        Assert.True(ConsoleKeyFile.Revoke(File, first.KeyId));
        Assert.False(ConsoleKeyFile.Revoke(File, first.KeyId));
        Assert.Equal([second.KeyId], ConsoleKeyFile.Parse(System.IO.File.ReadAllText(File)).Select(e => e.KeyId));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(File));
    }

    [Theory]
    [InlineData("0123456789abcdef sha256:short 2026-01-01T00:00:00Z\n", 1)]
    [InlineData("# comment\n\n0123456789ABCDEF sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 2026-01-01T00:00:00Z\n", 3)]
    [InlineData("0123456789abcdef sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA yesterday\n", 1)]
    [InlineData("0123456789abcdef sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 2026-01-01T00:00:00Z\n0123456789abcdef sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 2026-01-01T00:00:00Z", 2)]
    public void Parse_RefusesALineThatIsNoKey_ByItsNumber(string text, int line)
    {
        var refused = Assert.Throws<FormatException>(() => ConsoleKeyFile.Parse(text));
        Assert.Contains($"line {line} ", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("mrkc_")]
    [InlineData("mrkc_0123456789abcdef_")]
    [InlineData("mrkc_0123456789ABCDEF_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("mrkc_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("mrk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData(" mrkc_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void ParseToken_RefusesWhatIsNoToken(string text) => Assert.Null(ConsoleKeyFile.ParseToken(text));

    [Fact]
    public void Create_RefusesALabelOfSeveralLines() =>
        Assert.Throws<ArgumentException>(() => ConsoleKeyFile.Create(File, "one\nkey line", TimeProvider.System));
}
