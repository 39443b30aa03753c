using Grpc.Health.V1;
using Grpc.Mrk.TestSupport;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>The standard health and reflection services, which generic tools (grpcurl, probes) rely on.</summary>
public sealed class HealthAndReflectionTests(InProcessNodeFixture fixture) : IClassFixture<InProcessNodeFixture>
{
    [Fact]
    public async Task Health_Serving()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Node.Endpoint);
        var response = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_ListsThePublicServiceAndDescribesIt()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Node.Endpoint);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: Deadline.Soon);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("mrk.v1.KeyManagementService", services);
        Assert.Contains("grpc.health.v1.Health", services);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "mrk.v1.KeyManagementService" }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout());
        Assert.NotEmpty(call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto);
        await call.RequestStream.CompleteAsync().WithTimeout();
    }

    [Fact]
    public async Task ReflectionV1_ListsThePublicService()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Node.Endpoint);
        using var call = new Grpc.Reflection.V1.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo(deadline: Deadline.Soon);
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1.ServerReflectionRequest { ListServices = string.Empty }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout());
        Assert.Contains("mrk.v1.KeyManagementService", call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));
        await call.RequestStream.CompleteAsync().WithTimeout();
    }
}
