using Google.Protobuf.Reflection;
using Grpc.Mrk.Declarations;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.UnitTests.Api;

/// <summary>The declarations in protos/ that authentication, audit and client failover read.</summary>
public sealed class MethodDeclarationsTests
{
    private static readonly ServiceDescriptor[] Services =
    [
        KeyManagementService.Descriptor, AuditLog.Descriptor, Admin.V1.PrincipalAdmin.Descriptor, Internal.V1.Relay.Descriptor,
        Internal.V1.ClusterAdmin.Descriptor, Grpc.Mrk.Testing.V1.TestClock.Descriptor, Grpc.Mrk.Testing.V1.TestRelay.Descriptor,
    ];

    private static readonly MethodDeclarations Declarations = MethodDeclarations.PublicAnd(
        Internal.V1.RelayReflection.Descriptor, Grpc.Mrk.Testing.V1.TestClockReflection.Descriptor, Grpc.Mrk.Testing.V1.TestRelayReflection.Descriptor);

    [Fact]
    public void EveryMethodOfEveryService_IsDeclared_AndNoneButHealthAndReflectionIsAnonymous()
    {
        foreach (var method in Services.SelectMany(s => s.Methods))
        {
            var declaration = Declarations.Of(method);
            Assert.True(declaration is not null, $"{method.FullName} has no complete declaration");
            Assert.False(declaration.Admits(CallerKind.Anonymous), $"{method.FullName} is anonymous");
        }

        Assert.True(Declarations.Find("/grpc.health.v1.Health/Check")!.Admits(CallerKind.Anonymous));
        Assert.True(Declarations.Find("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")!.Admits(CallerKind.Anonymous));
    }

    [Fact]
    public void AnUndeclaredMethod_StopsTheServerWithItsName()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Declarations.RequireDeclared(["/mrk.v1.KeyManagementService/Encrypt", "/mrk.v1.Backdoor/Open", "/grpc.health.v1.Other/Check"]));
        Assert.Contains("/mrk.v1.Backdoor/Open", error.Message, StringComparison.Ordinal);
        Assert.Contains("/grpc.health.v1.Other/Check", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Encrypt", error.Message, StringComparison.Ordinal);
        Assert.Null(Declarations.Find("/mrk.v1.KeyManagementService/NoSuchMethod"));
    }

    [Fact]
    public void Failover_OnlyForMethodsThatChangeNothing()
    {
        var all = Services.SelectMany(s => s.Methods).Select(m => Declarations.Of(m)!).ToList();
        Assert.All(all.Where(d => d.Failover), d => Assert.False(d.ChangesState, d.Path));
        Assert.Contains(all, d => d.Path.EndsWith("/Decrypt", StringComparison.Ordinal) && d.Failover);
        Assert.Contains(all, d => d.Path.EndsWith("/CreateKey", StringComparison.Ordinal) && !d.Failover && d.ChangesState);
    }

    [Fact]
    public void GetParametersForImport_WritesItsWrappingKey_SoItChangesState()
    {
        // A name starting with "Get" once made it read-only: its record was not committed with its change.
        Assert.True(Declarations.Find("/mrk.v1.KeyManagementService/GetParametersForImport")!.ChangesState);
        Assert.False(Declarations.Find("/mrk.v1.KeyManagementService/GetKeyPolicy")!.ChangesState);
    }

    [Fact]
    public void TheAuditLogAndPrincipalAdmin_AreForOperatorsOnly_AndAudited()
    {
        foreach (var method in AuditLog.Descriptor.Methods.Concat(Admin.V1.PrincipalAdmin.Descriptor.Methods))
        {
            var declaration = Declarations.Of(method)!;
            Assert.Equal([CallerKind.Operator], declaration.Callers);
            Assert.True(declaration.Audited, method.FullName);
            Assert.False(declaration.AuditResponse, $"{method.FullName}: its response (an API key's token) must not be recorded");
            Assert.StartsWith("mrk:", declaration.Action, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ThePublicSet_KnowsNothingOfTheRelayOrTheTestServices_WhichTheirServersDeclare()
    {
        Assert.Null(MethodDeclarations.Public.Find("/mrk.internal.v1.Relay/Connect"));
        Assert.Null(MethodDeclarations.Public.Find("/mrk.testing.v1.TestClock/AdvanceClock"));
        Assert.NotNull(MethodDeclarations.Public.Find("/mrk.v1.KeyManagementService/Decrypt"));
        Assert.NotNull(RegionNode.Api.RegionNodeMethods.Declarations.Find("/mrk.testing.v1.TestClock/AdvanceClock"));
        Assert.Null(RegionNode.Api.RegionNodeMethods.Declarations.Find("/mrk.internal.v1.Relay/Connect"));
    }
}
