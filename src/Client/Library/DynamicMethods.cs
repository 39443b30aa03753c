using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace Grpc.Mrk.Client;

/// <summary>gRPC method definitions built from protobuf descriptors, cached per method.</summary>
internal static class DynamicMethods
{
    private static readonly ConcurrentDictionary<string, Method<IMessage, IMessage>> Cache = new();

    public static Method<IMessage, IMessage> For(MethodDescriptor method) =>
        Cache.GetOrAdd(method.FullName, _ => new Method<IMessage, IMessage>(
            MethodType.Unary,
            method.Service.FullName,
            method.Name,
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.InputType.Parser.ParseFrom(bytes)),
            Marshallers.Create<IMessage>(m => m.ToByteArray(), bytes => method.OutputType.Parser.ParseFrom(bytes))));
}
