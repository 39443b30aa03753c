using Grpc.Core;

namespace Grpc.Mrk.Client;

/// <summary>A refusal from a RegionNode: <see cref="ErrorCode"/> is AWS's exception name, e.g. NotFoundException.</summary>
public sealed class MrkException : Exception
{
    public MrkException()
        : this("KMSInternalException", "Unknown error", StatusCode.Unknown)
    {
    }

    public MrkException(string message)
        : this("KMSInternalException", message, StatusCode.Unknown)
    {
    }

    public MrkException(string message, Exception inner)
        : base(message, inner)
    {
        ErrorCode = "KMSInternalException";
    }

    public MrkException(string errorCode, string message, StatusCode statusCode, Exception? inner = null)
        : base(message, inner)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    public string ErrorCode { get; }

    public StatusCode StatusCode { get; }
}
