namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// A call made with DryRun: everything up to using key material runs (parameters, key resolution, key policy and
/// grants, key state, usage and algorithm), and the one place that unwraps material answers DryRunOperationException
/// instead, so no cryptographic operation happens and nothing is stored. Set for the call by the API from its request.
/// </summary>
public sealed class DryRun
{
    private static readonly CallScoped<DryRun> Scope = new();

    public static bool IsRequested => Scope.Current is not null;

    public static IDisposable Begin() => Scope.Enter(new DryRun());
}
