using Grpc.Mrk.Declarations;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.ControlPlane.Api;

/// <summary>The declarations of every method the ControlPlane serves: the relay and the cluster's administration.</summary>
public static class ControlPlaneMethods
{
    public static MethodDeclarations Declarations { get; } = new([RelayReflection.Descriptor]);
}
