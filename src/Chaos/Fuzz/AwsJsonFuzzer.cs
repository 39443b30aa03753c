using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grpc.Mrk.Chaos.Fuzz;

/// <summary>One request to the AWS JSON protocol: its target, content type, extra headers, body, and HTTP version.</summary>
public sealed record AwsJsonCase(string Operation, string? Target, string ContentType, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body,
    bool Http2);

/// <summary>
/// Makes requests for the AWS JSON protocol from AWS's own model of the API (embedded here as in the RegionNode): an
/// operation's input with members of the right shape and the wrong one (strings for numbers, objects for lists, nulls,
/// huge and nasty strings, bad base64, numbers past every range, unknown members, deep nesting), real key IDs and
/// ciphertexts, then sometimes cut or flipped bytes; and around the body, wrong or missing targets and content types and
/// every shape of a bad Signature Version 4 header.
/// </summary>
public sealed class AwsJsonFuzzer
{
    private static readonly string[] Nasty =
    [
        "", " ", "\u0000", "alias/", "alias/aws/", "arn:", "mrk-", "%00", "\u202e\uffff", "🔑", "{}", "[]", "null", new string('a', 70_000),
        "arn:aws:kms:us-east-1:111122223333:key/", "AKIAIOSFODNN7EXAMPLE", "\ud800",
    ];

    private static readonly JsonNode?[] WrongTypes =
    [
        null, JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(1.5), JsonValue.Create(1e300), JsonValue.Create(long.MaxValue), JsonValue.Create(true),
        JsonValue.Create("x"), new JsonArray(), new JsonObject(), new JsonArray(JsonValue.Create(1), null), new JsonObject { ["a"] = new JsonObject() },
    ];

    private readonly Random _random;
    private readonly IReadOnlyList<string> _identifiers;
    private readonly IReadOnlyList<byte[]> _blobs;
    private readonly JsonElement _shapes;
    private readonly List<(string Name, string Input)> _operations;

    private readonly DateTime _now;

    /// <param name="now">The time signature dates are drawn around (the run's start; fixed by tests for reproducible cases).</param>
    public AwsJsonFuzzer(Random random, IReadOnlyList<string> identifiers, IReadOnlyList<byte[]> blobs, DateTime? now = null)
    {
        (_random, _identifiers, _blobs, _now) = (random, identifiers, blobs, now ?? DateTime.UtcNow);
        using var stream = typeof(AwsJsonFuzzer).Assembly.GetManifestResourceStream("aws-kms-model.json")
                           ?? throw new InvalidOperationException("The embedded AWS model is missing.");
        var model = JsonDocument.Parse(stream).RootElement;
        _shapes = model.GetProperty("shapes").Clone();
        _operations = [.. model.GetProperty("operations").EnumerateObject()
            .Select(o => (o.Name, o.Value.GetProperty("input").GetProperty("shape").GetString()!))];
    }

    public AwsJsonCase Next()
    {
        var (operation, input) = _operations[_random.Next(_operations.Count)];
        var roll = _random.NextDouble();
        byte[] body = roll switch
        {
            < 0.05 => Noise(_random.Next(0, 2048)),
            < 0.08 => Encoding.UTF8.GetBytes(new string('[', 5000)),
            _ => Encoding.UTF8.GetBytes(Structure(input, 0).ToJsonString()),
        };
        if (_random.NextDouble() < 0.15)
        {
            body = Mutate(body);
        }

        var target = _random.NextDouble() switch
        {
            < 0.03 => null,
            < 0.06 => $"TrentService.{operation}Nope",
            < 0.08 => $"Other.{operation}",
            < 0.09 => "TrentService.",
            _ => $"TrentService.{operation}",
        };
        var contentType = _random.NextDouble() < 0.05 ? Pick(["text/plain", "application/json", "application/x-amz-json-1.0", "", "application/x-amz-json-1.1; charset=utf-16"])
            : "application/x-amz-json-1.1";
        return new AwsJsonCase(operation, target, contentType, Signature(), body, _random.NextDouble() < 0.3);
    }

    /// <summary>Signature headers, right-looking and wrong: none, noise, cut, other schemes, other scopes, odd dates, session tokens.</summary>
    private List<(string, string)> Signature()
    {
        var date = _now.AddSeconds(_random.Next(-3600, 3600)).ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var headers = new List<(string, string)> { ("X-Amz-Date", _random.NextDouble() < 0.1 ? Pick(["", "yesterday", "99999999T999999Z"]) : date) };
        var credential = $"{Pick(["AKIAIOSFODNN7EXAMPLE", "", "AKIA", new string('A', 300)])}/{date[..8]}/{Pick(["us-east-1", "eu-west-1", "", "x"])}/{Pick(["kms", "s3", ""])}/{Pick(["aws4_request", "aws5"])}";
        var authorization = _random.Next(8) switch
        {
            0 => null,
            // Printable ASCII noise: what an HTTP client will send (it refuses other bytes in a header before they leave).
            1 => new string(Noise(_random.Next(1, 200)).Select(b => (char)(' ' + (b % 95))).ToArray()),
            2 => "AWS4-HMAC-SHA256",
            3 => $"AWS4-HMAC-SHA256 Credential={credential}",
            4 => $"Bearer mrk_{Convert.ToHexStringLower(Noise(16))}",
            _ => $"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={Pick(["host;x-amz-date", "", "host", "content-type;host;x-amz-date;x-amz-target", new string(';', 100)])}, "
                 + $"Signature={Convert.ToHexStringLower(Noise(_random.Next(0, 40)))}",
        };
        if (authorization is not null)
        {
            headers.Add(("Authorization", authorization));
        }

        if (_random.NextDouble() < 0.05)
        {
            headers.Add(("X-Amz-Security-Token", Pick(["token", ""])));
        }

        if (_random.NextDouble() < 0.05)
        {
            headers.Add(("X-Amz-Content-Sha256", Pick(["UNSIGNED-PAYLOAD", "00", new string('f', 64)])));
        }

        return headers;
    }

    private JsonObject Structure(string shapeName, int depth)
    {
        var shape = _shapes.GetProperty(shapeName);
        var result = new JsonObject();
        foreach (var member in shape.TryGetProperty("members", out var members) ? members.EnumerateObject() : Enumerable.Empty<JsonProperty>())
        {
            if (_random.NextDouble() < 0.3)
            {
                continue;
            }

            result[member.Name] = Value(member.Value.GetProperty("shape").GetString()!, depth + 1);
        }

        if (_random.NextDouble() < 0.05)
        {
            result["Unmodeled" + _random.Next(100)] = Value(shapeName, depth + 1);
        }

        return result;
    }

    private JsonNode? Value(string shapeName, int depth)
    {
        if (_random.NextDouble() < 0.08 || depth > 5)
        {
            return WrongTypes[_random.Next(WrongTypes.Length)]?.DeepClone();
        }

        var shape = _shapes.GetProperty(shapeName);
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                return Structure(shapeName, depth);
            case "list":
                var list = new JsonArray();
                for (var i = _random.Next(0, 4); i > 0; i--)
                {
                    list.Add(Value(shape.GetProperty("member").GetProperty("shape").GetString()!, depth + 1));
                }

                return list;
            case "map":
                var map = new JsonObject();
                for (var i = _random.Next(0, 4); i > 0; i--)
                {
                    map[Text()] = Value(shape.GetProperty("value").GetProperty("shape").GetString()!, depth + 1);
                }

                return map;
            case "blob":
                return _random.Next(4) switch
                {
                    0 => JsonValue.Create("not base64!"),
                    1 => JsonValue.Create(Convert.ToBase64String(Noise(_random.Next(0, 7000)))),
                    _ when _blobs.Count > 0 => JsonValue.Create(Convert.ToBase64String(_blobs[_random.Next(_blobs.Count)])),
                    _ => JsonValue.Create(string.Empty),
                };
            case "integer" or "long":
                return JsonValue.Create(Pick(new long[] { -1, 0, 1, 7, 30, 90, 1024, 1025, 4096, int.MaxValue, long.MaxValue }));
            case "boolean":
                return JsonValue.Create(_random.NextDouble() < 0.5);
            case "timestamp":
                return JsonValue.Create(Pick(new double[] { 0, -1, 1.8e9, 1.8e9 + 0.5, 9.9e12 }));
            default:
                if (shape.TryGetProperty("enum", out var values) && _random.NextDouble() < 0.8)
                {
                    var all = values.EnumerateArray().ToList();
                    return JsonValue.Create(all[_random.Next(all.Count)].GetString());
                }

                return JsonValue.Create(Text());
        }
    }

    private string Text() => _random.NextDouble() < 0.6 && _identifiers.Count > 0 ? _identifiers[_random.Next(_identifiers.Count)] : Pick(Nasty);

    private byte[] Mutate(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return Noise(8);
        }

        var copy = bytes.ToArray();
        switch (_random.Next(3))
        {
            case 0:
                return copy[..(_random.Next(copy.Length))];
            case 1:
                copy[_random.Next(copy.Length)] ^= (byte)(1 << _random.Next(8));
                return copy;
            default:
                var at = _random.Next(copy.Length);
                return [.. copy[..at], .. Noise(_random.Next(1, 16)), .. copy[at..]];
        }
    }

    private byte[] Noise(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(T[] choices) => choices[_random.Next(choices.Length)];
}
