using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.Identity;
using Grpc.Mrk.TestSupport;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;

namespace Grpc.Mrk.Cluster.Tests.Infrastructure;

/// <summary>One served method as the running process describes it through server reflection.</summary>
public sealed record ServedMethod(string Service, string Name, bool ClientStreaming, bool ServerStreaming)
{
    public string Path => $"/{Service}/{Name}";
}

/// <summary>
/// Calls any method of a running process with raw request bytes and chosen credentials, and lists what the process
/// serves through its own reflection service: tests of who may call what read the process, not a list of their own.
/// </summary>
public sealed class RawCaller : IDisposable
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);
    private readonly GrpcChannel _channel;
    private readonly string? _apiKey;

    public RawCaller(Uri endpoint, string caFile, X509Certificate2? certificate = null, string? apiKey = null)
    {
        _channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = ClusterHandlers.Create(certificate, ClusterHandlers.IssuedBy(CertificateFiles.LoadCertificate(caFile))),
        });
        _apiKey = apiKey;
    }

    /// <summary>Every method of every service the process lists through reflection.</summary>
    public async Task<IReadOnlyList<ServedMethod>> ServedMethodsAsync()
    {
        using var call = new ServerReflection.ServerReflectionClient(_channel).ServerReflectionInfo(deadline: Deadline.Soon);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty }).WithTimeout();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout());
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        var methods = new List<ServedMethod>();
        foreach (var service in services)
        {
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = service }).WithTimeout();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout());
            var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
                .Select(b => FileDescriptorProto.Parser.ParseFrom(b)).ToList();
            var found = files.SelectMany(f => f.Service.Select(s => (File: f, Service: s)))
                .Single(x => (string.IsNullOrEmpty(x.File.Package) ? x.Service.Name : $"{x.File.Package}.{x.Service.Name}") == service);
            methods.AddRange(found.Service.Method.Select(m => new ServedMethod(service, m.Name, m.ClientStreaming, m.ServerStreaming)));
        }

        await call.RequestStream.CompleteAsync().WithTimeout();
        return methods;
    }

    /// <summary>Calls the method once with <paramref name="request"/> and returns the status it ended with (OK included).</summary>
    public async Task<RpcException?> CallAsync(ServedMethod method, byte[] request)
    {
        var headers = _apiKey is null ? new Metadata() : new Metadata { { "authorization", $"Bearer {_apiKey}" } };
        var options = new CallOptions(headers, Deadline.Soon);
        var invoker = _channel.CreateCallInvoker();
        try
        {
            switch ((method.ClientStreaming, method.ServerStreaming))
            {
                case (false, false):
                    await invoker.AsyncUnaryCall(Describe(method, MethodType.Unary), null, options, request).ResponseAsync.WithTimeout();
                    break;
                case (false, true):
                    using (var call = invoker.AsyncServerStreamingCall(Describe(method, MethodType.ServerStreaming), null, options, request))
                    {
                        await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout();
                    }

                    break;
                default:
                    using (var call = invoker.AsyncDuplexStreamingCall(Describe(method, MethodType.DuplexStreaming), null, options))
                    {
                        await call.RequestStream.WriteAsync(request).WithTimeout();
                        await call.ResponseStream.MoveNext(CancellationToken.None).WithTimeout();
                    }

                    break;
            }

            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The connection itself was refused (a TLS handshake without the certificate the server requires).
            return new RpcException(new Status(StatusCode.Unavailable, e.Message, e));
        }
    }

    private static Method<byte[], byte[]> Describe(ServedMethod method, MethodType type) => new(type, method.Service, method.Name, Bytes, Bytes);

    public void Dispose() => _channel.Dispose();
}
