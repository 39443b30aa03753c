using Google.Protobuf;
using Grpc.Mrk.Chaos.Fuzz;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Chaos.Tests;

public sealed class WireFuzzerTests
{
    private static readonly string[] Identifiers = ["mrk-0123456789abcdef0123456789abcdef", "alias/x"];

    [Fact]
    public void SameSeed_SameCases()
    {
        var first = new WireFuzzer(new Random(42), Identifiers, [[1, 2, 3]]);
        var second = new WireFuzzer(new Random(42), Identifiers, [[1, 2, 3]]);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(first.Next(EncryptRequest.Descriptor), second.Next(EncryptRequest.Descriptor));
        }
    }

    [Fact]
    public void Cases_MixValidMessages_WithOnesNoParserAccepts()
    {
        var fuzzer = new WireFuzzer(new Random(7), Identifiers, [[1, 2, 3]]);
        var (parsed, refused, withKeyId) = (0, 0, 0);
        for (var i = 0; i < 3000; i++)
        {
            try
            {
                var message = EncryptRequest.Parser.ParseFrom(fuzzer.Next(EncryptRequest.Descriptor));
                parsed++;
                withKeyId += Identifiers.Contains(message.KeyId) ? 1 : 0;
            }
            catch (InvalidProtocolBufferException)
            {
                refused++;
            }
        }

        // Both kinds in good measure: cases that reach the service's own checks, and cases the parser must refuse
        // (invalid UTF-8, wrong wire types, cut-off bytes).
        Assert.True(parsed > 1000, $"{parsed} parsed");
        Assert.True(refused > 300, $"{refused} refused");
        Assert.True(withKeyId > 200, $"{withKeyId} named a real key");
    }
}
