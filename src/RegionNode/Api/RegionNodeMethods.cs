using Grpc.Mrk.Declarations;
using Grpc.Mrk.Testing.V1;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>The declarations of every method a RegionNode may serve: the public API and, in test mode, the test services.</summary>
public static class RegionNodeMethods
{
    public static MethodDeclarations Declarations { get; } =
        MethodDeclarations.PublicAnd(TestClockReflection.Descriptor, TestRelayReflection.Descriptor);
}
