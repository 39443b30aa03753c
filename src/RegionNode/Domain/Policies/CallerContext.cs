using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>Who is calling: the authenticated principal of a public API call.</summary>
public sealed record Caller(string PrincipalArn);

/// <summary>
/// The caller of the operation running on this async flow. The API sets it for every public call; work the node does
/// by itself (replication, maintenance) runs without one and is not subject to key policies.
/// </summary>
public static class CallerContext
{
    private static readonly Ambient<Caller> Ambient = new();

    public static Caller? Current => Ambient.Current;

    public static IDisposable Enter(Caller caller) => Ambient.Enter(caller);
}

/// <summary>What an operation asks of a key's policy: the action (such as "kms:Encrypt") and the request's condition keys.</summary>
public sealed record Access(string Action, Action<AccessRequest>? Context = null)
{
    public static Access For(string operation, Action<AccessRequest>? context = null) => new($"kms:{operation}", context);
}
