using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grpc.Mrk.Cli;

/// <summary>Prints a response as json (default), table or text, optionally narrowed by --query.</summary>
internal static class OutputWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter output, JsonNode? node, string format, string? query)
    {
        if (!string.IsNullOrEmpty(query))
        {
            node = Query(node, query);
        }

        switch (format)
        {
            case "text":
                foreach (var (path, value) in Leaves(node, string.Empty))
                {
                    output.WriteLine(path.Length == 0 ? value : $"{path}\t{value}");
                }

                break;
            case "table":
                var rows = Leaves(node, string.Empty).ToList();
                var width = rows.Count == 0 ? 0 : rows.Max(r => r.Path.Length);
                foreach (var (path, value) in rows)
                {
                    output.WriteLine($"{path.PadRight(width)}  {value}");
                }

                break;
            default:
                output.WriteLine(node is null ? "null" : node.ToJsonString(Indented));
                break;
        }
    }

    /// <summary>A dotted path with optional indexes: KeyMetadata.KeyId, Keys[0].KeyArn.</summary>
    public static JsonNode? Query(JsonNode? node, string query)
    {
        foreach (var part in query.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part;
            int? index = null;
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0 && part.EndsWith(']'))
            {
                name = part[..bracket];
                index = int.TryParse(part[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture, out var i)
                    ? i : throw new CliUsageException($"--query index in '{part}' is not a number.");
            }

            node = node is JsonObject obj && obj.TryGetPropertyValue(name, out var child) ? child : null;
            if (index is { } at)
            {
                node = node is JsonArray array && at >= 0 && at < array.Count ? array[at] : null;
            }
        }

        return node;
    }

    private static IEnumerable<(string Path, string Value)> Leaves(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    foreach (var leaf in Leaves(child, path.Length == 0 ? name : $"{path}.{name}"))
                    {
                        yield return leaf;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var leaf in Leaves(array[i], $"{path}[{i}]"))
                    {
                        yield return leaf;
                    }
                }

                break;
            case null:
                yield return (path, "None");
                break;
            default:
                yield return (path, node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString());
                break;
        }
    }
}
