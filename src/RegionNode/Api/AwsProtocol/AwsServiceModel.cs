using System.Text.Json;

namespace Grpc.Mrk.RegionNode.Api.AwsProtocol;

/// <summary>A shape of AWS's model: its type and, by type, its members, list member, map key and value, enum values.</summary>
public sealed record AwsShape(
    string Name,
    string Type,
    IReadOnlyDictionary<string, string> Members,
    string? ListMember,
    string? MapKey,
    string? MapValue,
    IReadOnlyList<string> EnumValues,
    bool IsException,
    bool IsFault);

/// <summary>An operation of AWS's model: its input and output shapes (an operation without output answers "{}").</summary>
public sealed record AwsOperation(string Name, string InputShape, string? OutputShape);

/// <summary>
/// AWS's own model of the KMS API (Model/kms-2014-11-01.json, embedded unchanged): the source of member names, types,
/// enum values and which exceptions are faults, so the JSON front speaks the protocol as AWS defines it rather than as
/// we transcribed it.
/// </summary>
public sealed class AwsServiceModel
{
    private const string ResourceName = "aws-kms-model.json";

    private AwsServiceModel(string targetPrefix, IReadOnlyDictionary<string, AwsOperation> operations, IReadOnlyDictionary<string, AwsShape> shapes)
    {
        TargetPrefix = targetPrefix;
        Operations = operations;
        Shapes = shapes;
    }

    /// <summary>The model embedded in this assembly, read once.</summary>
    public static AwsServiceModel Kms { get; } = Load();

    /// <summary>"TrentService": the X-Amz-Target of an operation is "TrentService.&lt;Operation&gt;".</summary>
    public string TargetPrefix { get; }

    public IReadOnlyDictionary<string, AwsOperation> Operations { get; }

    public IReadOnlyDictionary<string, AwsShape> Shapes { get; }

    public AwsShape Shape(string name) => Shapes[name];

    /// <summary>Whether the model marks the exception as a fault of the service (answered with HTTP 500).</summary>
    public bool IsFault(string exceptionName) => Shapes.TryGetValue(exceptionName, out var shape) && shape is { IsException: true, IsFault: true };

    private static AwsServiceModel Load()
    {
        using var stream = typeof(AwsServiceModel).Assembly.GetManifestResourceStream(ResourceName)
                           ?? throw new InvalidOperationException($"The embedded AWS model '{ResourceName}' is missing from the assembly.");
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var shapes = new Dictionary<string, AwsShape>(StringComparer.Ordinal);
        foreach (var shape in root.GetProperty("shapes").EnumerateObject())
        {
            var body = shape.Value;
            var members = body.TryGetProperty("members", out var m)
                ? m.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("shape").GetString()!, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal);
            shapes[shape.Name] = new AwsShape(shape.Name, body.GetProperty("type").GetString()!, members,
                Ref(body, "member"), Ref(body, "key"), Ref(body, "value"),
                body.TryGetProperty("enum", out var values) ? values.EnumerateArray().Select(v => v.GetString()!).ToList() : [],
                body.TryGetProperty("exception", out var exception) && exception.GetBoolean(),
                body.TryGetProperty("fault", out var fault) && fault.GetBoolean());
        }

        var operations = new Dictionary<string, AwsOperation>(StringComparer.Ordinal);
        foreach (var operation in root.GetProperty("operations").EnumerateObject())
        {
            operations[operation.Name] = new AwsOperation(operation.Name, Ref(operation.Value, "input")!, Ref(operation.Value, "output"));
        }

        return new AwsServiceModel(root.GetProperty("metadata").GetProperty("targetPrefix").GetString()!, operations, shapes);
    }

    private static string? Ref(JsonElement body, string property) =>
        body.TryGetProperty(property, out var reference) ? reference.GetProperty("shape").GetString() : null;
}
