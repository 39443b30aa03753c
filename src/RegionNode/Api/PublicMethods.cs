namespace Grpc.Mrk.RegionNode.Api;

/// <summary>Which gRPC methods are the callers' surface: authenticated and audited (health, reflection and test services are not).</summary>
internal static class PublicMethods
{
    private const string KeyApi = "/mrk.v1.KeyManagementService/";
    private const string AdminApi = "/mrk.admin.v1.";

    public static bool IsAdmin(string method) => method.StartsWith(AdminApi, StringComparison.Ordinal);

    public static bool IsKeyOrAdmin(string method) => IsAdmin(method) || method.StartsWith(KeyApi, StringComparison.Ordinal);
}
