using System.Collections.Frozen;
using Google.Protobuf.Reflection;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.Declarations;

/// <summary>What one method declares in protos/ (mrk.v1.access and idempotency_level): who may call it and what a call does.</summary>
public sealed record MethodDeclaration(
    string Path,
    bool Unary,
    IReadOnlySet<CallerKind> Callers,
    bool ChangesState,
    AuditMode Audit,
    bool AuditResponse,
    bool Failover,
    string Action)
{
    /// <summary>The client sends a stream (client or bidirectional streaming): a call has no one request to audit.</summary>
    public bool ClientStreams { get; init; }

    public bool Admits(CallerKind kind) => Callers.Contains(kind);

    public bool Audited => Audit == AuditMode.Record;
}

/// <summary>
/// The declarations of the methods of some services, read once from their compiled descriptors. Each server builds
/// the set it serves (<see cref="Public"/> and its own internal services) and authenticates, authorizes and audits from
/// it, refusing to start when a method it serves has none; <see cref="Public"/> is what a client reads to fail over
/// only the methods that declare it. A method whose declaration is incomplete (no caller kind, no audit mode, a failover
/// on a write) is treated as undeclared, so it can never be served.
/// </summary>
public sealed class MethodDeclarations
{
    // Services from packages outside this project, whose .proto files are not ours to annotate: they answer anyone
    // (load balancers and tooling ask them before they hold credentials) and change nothing.
    private static readonly string[] AnonymousServices =
        ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"];

    private readonly FrozenDictionary<string, MethodDeclaration> byPath;

    public MethodDeclarations(IEnumerable<FileDescriptor> files) => byPath = Read(files);

    /// <summary>The public API's services: the KMS service, the audit log and principal administration.</summary>
    public static MethodDeclarations Public { get; } = PublicAnd();

    /// <summary>The public services' declarations together with those of the services in <paramref name="more"/>.</summary>
    public static MethodDeclarations PublicAnd(params FileDescriptor[] more) =>
        new([KeyManagementServiceReflection.Descriptor, AuditReflection.Descriptor, Admin.V1.PrincipalsReflection.Descriptor, Admin.V1.RegionReflection.Descriptor, .. more]);

    /// <summary>The declaration of "/package.Service/Method", or null when it has none (the method must not be served).</summary>
    public MethodDeclaration? Find(string path) =>
        byPath.TryGetValue(path, out var declaration) ? declaration : AnonymousService(path);

    public MethodDeclaration? Of(MethodDescriptor method) => Find($"/{method.Service.FullName}/{method.Name}");

    /// <summary>Every declared method of these services.</summary>
    public IEnumerable<MethodDeclaration> All => byPath.Values;

    /// <summary>Throws with every served path that has no complete declaration; what a server calls before it listens.</summary>
    public void RequireDeclared(IEnumerable<string> servedPaths)
    {
        var missing = servedPaths.Where(p => Find(p) is null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"These methods are served but declare no access in protos/ (option (mrk.v1.access) with callers and audit): {string.Join(", ", missing)}. "
                + "Nothing is served without a declaration.");
        }
    }

    private static MethodDeclaration? AnonymousService(string path)
    {
        var service = path.Length > 1 ? path[1..path.LastIndexOf('/')] : string.Empty;
        return Array.IndexOf(AnonymousServices, service) < 0
            ? null
            : new MethodDeclaration(path, Unary: true, new HashSet<CallerKind> { CallerKind.Anonymous }, ChangesState: false, AuditMode.None,
                AuditResponse: false, Failover: false, Action: string.Empty);
    }

    private static FrozenDictionary<string, MethodDeclaration> Read(IEnumerable<FileDescriptor> files)
    {
        var result = new Dictionary<string, MethodDeclaration>(StringComparer.Ordinal);
        foreach (var method in files.Distinct().SelectMany(f => f.Services).SelectMany(s => s.Methods))
        {
            var options = method.GetOptions();
            var access = options?.GetExtension(MethodAccessExtensions.Access);
            if (access is null || access.Callers.Count == 0 || access.Callers.Contains(CallerKind.Unspecified) || access.Audit == AuditMode.Unspecified)
            {
                continue;
            }

            var changesState = options!.IdempotencyLevel != MethodOptions.Types.IdempotencyLevel.NoSideEffects;
            if (access.Failover && changesState)
            {
                continue;
            }

            var path = $"/{method.Service.FullName}/{method.Name}";
            result[path] = new MethodDeclaration(path, !method.IsClientStreaming && !method.IsServerStreaming, access.Callers.ToHashSet(),
                changesState, access.Audit, access.AuditResponse, access.Failover, access.Action) { ClientStreams = method.IsClientStreaming };
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
