using System.Security.Cryptography;

namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>Stored material that cannot serve its key spec: a fault of this node, never of the caller's input.</summary>
public sealed class MaterialMismatchException : CryptographicException
{
    public MaterialMismatchException()
    {
    }

    public MaterialMismatchException(string message)
        : base(message)
    {
    }

    public MaterialMismatchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
