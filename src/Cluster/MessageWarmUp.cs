using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Grpc.Mrk.Cluster;

/// <summary>
/// Runs the generated code of every message of some protobuf files once (parse, size, write, compare), nested messages
/// included: the runtime compiles each method whole the first time it runs, so a process that does this right after
/// its start does not compile them inside its first calls. Works on empty messages only; reads and writes nothing else.
/// </summary>
public static class MessageWarmUp
{
    /// <summary>Returns how many message types it ran.</summary>
    public static int RoundTrip(IEnumerable<FileDescriptor> files)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<MessageDescriptor>(files.SelectMany(f => f.MessageTypes));
        while (pending.TryPop(out var descriptor))
        {
            if (!seen.Add(descriptor.FullName) || descriptor.Parser is null)
            {
                continue;
            }

            foreach (var nested in descriptor.NestedTypes)
            {
                pending.Push(nested);
            }

            var message = descriptor.Parser.ParseFrom(ByteString.Empty);
            _ = descriptor.Parser.ParseFrom(message.ToByteArray());
            _ = message.Equals(message);
        }

        return seen.Count;
    }
}
