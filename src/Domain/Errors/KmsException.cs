namespace Grpc.Mrk.RegionNode.Domain.Errors;

/// <summary>
/// A refusal the caller can act on. <see cref="ErrorCode"/> is AWS's exception name (NotFoundException, ...); the
/// message follows AWS's wording and never contains plaintext or key material.
/// </summary>
public sealed class KmsException : Exception
{
    public KmsException(string errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    public KmsException()
        : this(KmsErrorCodes.KMSInternal, "An internal error occurred.")
    {
    }

    public KmsException(string message)
        : this(KmsErrorCodes.Validation, message)
    {
    }

    public KmsException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorCode = KmsErrorCodes.KMSInternal;
    }

    public string ErrorCode { get; }

    /// <summary>For a throttled request: how long until the quota admits one again.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
