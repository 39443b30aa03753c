using Grpc.AspNetCore.Server;
using Grpc.Mrk.Declarations;
using Microsoft.AspNetCore.Routing;

namespace Grpc.Mrk.Cluster.Serving;

/// <summary>
/// The gRPC methods a server actually maps, read from its endpoints (not from a list kept beside them), and the check
/// that each has a declaration in protos/: a server that would serve an undeclared method, or audit one whose client
/// streams (it has no one request to record), refuses to start.
/// </summary>
public static class ServedMethods
{
    public static IReadOnlyList<string> Of(IEndpointRouteBuilder endpoints) =>
        endpoints.DataSources.SelectMany(d => d.Endpoints)
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>())
            .OfType<GrpcMethodMetadata>()
            .Select(m => $"/{m.Method.ServiceName}/{m.Method.Name}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Throws <see cref="InvalidOperationException"/> naming every served method whose declaration is missing or unusable.</summary>
    public static void RequireDeclared(IEndpointRouteBuilder endpoints, MethodDeclarations declarations)
    {
        var served = Of(endpoints);
        declarations.RequireDeclared(served);
        var streamingAudited = served.Where(p => declarations.Find(p) is { ClientStreams: true, Audited: true }).ToList();
        if (streamingAudited.Count > 0)
        {
            throw new InvalidOperationException(
                $"These streaming methods declare AUDIT_MODE_RECORD, which only unary and server-streaming calls support: {string.Join(", ", streamingAudited)}.");
        }
    }
}
