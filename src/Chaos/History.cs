using System.Text.Json;

namespace Grpc.Mrk.Chaos;

/// <summary>
/// Every operation, fault and check of a run as JSON lines, beginning with the seed, so a failure can be read back and
/// the same schedule run again (`mrk-chaos run --seed N`). Holds no plaintext: payloads appear only as lengths.
/// </summary>
public sealed class History : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow;
    private readonly Lock _gate = new();

    public History(string path, int seed, IReadOnlyDictionary<string, object?> settings)
    {
        Path = path;
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
        Write("run", new Dictionary<string, object?>(settings) { ["seed"] = seed, ["startedAt"] = _start });
    }

    public string Path { get; }

    public void Write(string type, IReadOnlyDictionary<string, object?> fields)
    {
        var line = new Dictionary<string, object?> { ["t"] = Math.Round((DateTimeOffset.UtcNow - _start).TotalMilliseconds, 1), ["type"] = type };
        foreach (var (name, value) in fields)
        {
            line[name] = value;
        }

        var json = JsonSerializer.Serialize(line);
        lock (_gate)
        {
            _writer.WriteLine(json);
        }
    }

    public void Dispose() => _writer.Dispose();
}
