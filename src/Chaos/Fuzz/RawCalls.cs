using Grpc.Core;

namespace Grpc.Mrk.Chaos.Fuzz;

/// <summary>gRPC methods that send and receive bytes as they are, so a fuzz case reaches the server exactly as made.</summary>
public static class RawCalls
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static Method<byte[], byte[]> Unary(string service, string method) => new(MethodType.Unary, service, method, Bytes, Bytes);

    public static Method<byte[], byte[]> Duplex(string service, string method) => new(MethodType.DuplexStreaming, service, method, Bytes, Bytes);
}
