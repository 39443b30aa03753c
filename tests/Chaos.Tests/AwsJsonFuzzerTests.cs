using System.Text.Json;
using Grpc.Mrk.Chaos.Fuzz;

namespace Grpc.Mrk.Chaos.Tests;

public sealed class AwsJsonFuzzerTests
{
    private static readonly string[] Identifiers = ["mrk-0123456789abcdef0123456789abcdef", "alias/x"];

    [Fact]
    public void SameSeed_SameCases()
    {
        var now = new DateTime(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);
        var first = new AwsJsonFuzzer(new Random(42), Identifiers, [[1, 2, 3]], now);
        var second = new AwsJsonFuzzer(new Random(42), Identifiers, [[1, 2, 3]], now);
        for (var i = 0; i < 200; i++)
        {
            var (a, b) = (first.Next(), second.Next());
            Assert.Equal(a.Body, b.Body);
            Assert.Equal((a.Operation, a.Target, a.ContentType, a.Http2), (b.Operation, b.Target, b.ContentType, b.Http2));
            Assert.Equal(a.Headers, b.Headers);
        }
    }

    [Fact]
    public void Cases_MixWellFormedRequests_WithOnesNoParserAccepts_AndBadSignatures()
    {
        var fuzzer = new AwsJsonFuzzer(new Random(7), Identifiers, [[1, 2, 3]]);
        var (json, unreadable, withKeyId, unsigned, operations) = (0, 0, 0, 0, new HashSet<string>());
        for (var i = 0; i < 3000; i++)
        {
            var fuzzCase = fuzzer.Next();
            operations.Add(fuzzCase.Operation);
            unsigned += fuzzCase.Headers.Any(h => h.Name == "Authorization") ? 0 : 1;
            try
            {
                using var document = JsonDocument.Parse(fuzzCase.Body);
                json++;
                withKeyId += document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("KeyId", out var id)
                             && id.ValueKind == JsonValueKind.String && Identifiers.Contains(id.GetString()) ? 1 : 0;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                unreadable++;
            }
        }

        // Cases that reach the service's own checks, cases the JSON reader must refuse, every operation of the model.
        Assert.True(json > 2000, $"{json} parsed");
        Assert.True(unreadable > 150, $"{unreadable} unreadable");
        Assert.True(withKeyId > 100, $"{withKeyId} named a real key");
        Assert.True(unsigned > 100, $"{unsigned} unsigned");
        Assert.True(operations.Count > 45, $"{operations.Count} operations");
    }
}
