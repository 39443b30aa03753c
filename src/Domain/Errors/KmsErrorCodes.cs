namespace Grpc.Mrk.RegionNode.Domain.Errors;

/// <summary>AWS KMS exception names, used as the ErrorInfo reason on the wire.</summary>
public static class KmsErrorCodes
{
    public const string AccessDenied = "AccessDeniedException";
    public const string AlreadyExists = "AlreadyExistsException";
    public const string Conflict = "ConflictException";
    public const string DependencyTimeout = "DependencyTimeoutException";
    public const string Disabled = "DisabledException";
    public const string DryRunOperation = "DryRunOperationException";
    public const string ExpiredImportToken = "ExpiredImportTokenException";
    public const string IncorrectKey = "IncorrectKeyException";
    public const string IncorrectKeyMaterial = "IncorrectKeyMaterialException";
    public const string IncompleteSignature = "IncompleteSignatureException";
    public const string InvalidAliasName = "InvalidAliasNameException";
    public const string InvalidArn = "InvalidArnException";
    public const string InvalidCiphertext = "InvalidCiphertextException";
    public const string InvalidGrantId = "InvalidGrantIdException";
    public const string InvalidGrantToken = "InvalidGrantTokenException";
    public const string InvalidImportToken = "InvalidImportTokenException";
    public const string InvalidKeyUsage = "InvalidKeyUsageException";
    public const string InvalidMarker = "InvalidMarkerException";
    public const string InvalidSignature = "InvalidSignatureException";
    public const string KMSInternal = "KMSInternalException";
    public const string KMSInvalidMac = "KMSInvalidMacException";
    public const string KMSInvalidSignature = "KMSInvalidSignatureException";
    public const string KMSInvalidState = "KMSInvalidStateException";
    public const string LimitExceeded = "LimitExceededException";
    public const string MalformedPolicyDocument = "MalformedPolicyDocumentException";
    public const string MissingAuthenticationToken = "MissingAuthenticationTokenException";
    public const string NotFound = "NotFoundException";
    public const string Serialization = "SerializationException";
    public const string Tag = "TagException";
    public const string Throttling = "ThrottlingException";
    public const string UnrecognizedClient = "UnrecognizedClientException";
    public const string UnknownOperation = "UnknownOperationException";
    public const string UnsupportedOperation = "UnsupportedOperationException";
    public const string Validation = "ValidationException";
}
