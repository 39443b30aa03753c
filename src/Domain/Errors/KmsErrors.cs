namespace Grpc.Mrk.RegionNode.Domain.Errors;

/// <summary>Factories for every refusal, with AWS's message texts in one place.</summary>
public static class KmsErrors
{
    public static KmsException Validation(string message) => new(KmsErrorCodes.Validation, message);

    /// <summary>AWS's wording for a constraint on one request field.</summary>
    public static KmsException Constraint(string field, string constraint) =>
        Validation($"1 validation error detected: Value at '{field}' failed to satisfy constraint: {constraint}");

    /// <summary>AWS's wording for a constraint on one request field, with the value refused (never a secret's: blobs and grant tokens go
    /// through the overload without it).</summary>
    public static KmsException Constraint(string field, object value, string constraint) =>
        Validation($"1 validation error detected: Value '{Printable(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, 4096)}' "
                   + $"at '{field}' failed to satisfy constraint: {constraint}");

    public static KmsException KeyNotFound(string keyArn) => new(KmsErrorCodes.NotFound, $"Key '{keyArn}' does not exist");

    public static KmsException InvalidKeyId(string keyId) => new(KmsErrorCodes.NotFound, $"Invalid keyId '{Printable(keyId)}'");

    public static KmsException InvalidArn(string arn) => new(KmsErrorCodes.InvalidArn, $"Invalid arn {Printable(arn)}");

    public static KmsException NotFound(string message) => new(KmsErrorCodes.NotFound, message);

    /// <summary>AWS's wording for a call the caller may not make; it does not say whether the key exists.</summary>
    public static KmsException AccessDenied(string principalArn, string action, string resourceArn, bool explicitDeny = false) =>
        new(KmsErrorCodes.AccessDenied, explicitDeny
            ? $"User: {principalArn} is not authorized to perform: {action} on resource: {resourceArn} with an explicit deny in a resource-based policy"
            : $"User: {principalArn} is not authorized to perform: {action} on resource: {resourceArn} because no resource-based policy allows the {action} action");

    public static KmsException AccessDeniedTo(string reason) => new(KmsErrorCodes.AccessDenied, $"Access denied: {reason}.");

    public static KmsException DryRun() =>
        new(KmsErrorCodes.DryRunOperation, "The request would have succeeded, but the DryRun option is set.");

    public static KmsException InvalidGrantId(string message) => new(KmsErrorCodes.InvalidGrantId, message);

    public static KmsException InvalidGrantToken() => new(KmsErrorCodes.InvalidGrantToken, "The grant token is invalid.");

    public static KmsException MissingAuthenticationToken() =>
        new(KmsErrorCodes.MissingAuthenticationToken, "Request is missing Authentication Token");

    public static KmsException UnrecognizedClient() =>
        new(KmsErrorCodes.UnrecognizedClient, "The security token included in the request is invalid.");

    public static KmsException AliasNotFound(string aliasArn) => new(KmsErrorCodes.NotFound, $"Alias {aliasArn} is not found.");

    public static KmsException AliasExists(string aliasArn) =>
        new(KmsErrorCodes.AlreadyExists, $"An alias with the name {aliasArn} already exists");

    public static KmsException InvalidAliasName(string message) => new(KmsErrorCodes.InvalidAliasName, message);

    public static KmsException Disabled(string keyArn) => new(KmsErrorCodes.Disabled, $"{keyArn} is disabled.");

    public static KmsException InvalidState(string keyArn, string what) => new(KmsErrorCodes.KMSInvalidState, $"{keyArn} is {what}.");

    /// <summary>KMSInvalidStateException with a sentence of its own, for refusals that are not about the key state alone.</summary>
    public static KmsException InvalidStateBecause(string message) => new(KmsErrorCodes.KMSInvalidState, message);

    public static KmsException IncorrectKeyMaterial(string message) => new(KmsErrorCodes.IncorrectKeyMaterial, message);

    public static KmsException InvalidImportToken(string message) => new(KmsErrorCodes.InvalidImportToken, message);

    public static KmsException ExpiredImportToken() => new(KmsErrorCodes.ExpiredImportToken,
        "The import token has expired. Call GetParametersForImport for a new public key and import token, wrap the key material with that key, and import again.");

    public static KmsException Unsupported(string message) => new(KmsErrorCodes.UnsupportedOperation, message);

    public static KmsException InvalidKeyUsage(string message) => new(KmsErrorCodes.InvalidKeyUsage, message);

    // One generic text for every way a ciphertext can fail, so a failure tells an attacker nothing.
    public static KmsException InvalidCiphertext() => new(KmsErrorCodes.InvalidCiphertext, "The ciphertext is invalid.");

    public static KmsException IncorrectKey() =>
        new(KmsErrorCodes.IncorrectKey, "The key ID in the request does not identify a CMK that can perform this operation.");

    /// <summary>AWS answers a ciphertext whose key is unknown here the same way as one the caller may not use.</summary>
    public static KmsException CiphertextKeyNotAccessible() =>
        new(KmsErrorCodes.AccessDenied,
            "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.");

    public static KmsException InvalidSignature() => new(KmsErrorCodes.KMSInvalidSignature, "The signature is invalid.");

    public static KmsException InvalidMac() => new(KmsErrorCodes.KMSInvalidMac, "The MAC is invalid.");

    public static KmsException LimitExceeded(string message) => new(KmsErrorCodes.LimitExceeded, message);

    /// <summary>
    /// AWS's answer to a request over a rate: "Rate exceeded" (the client retries with back-off), with when a request
    /// would be admitted again where that is known.
    /// </summary>
    /// <summary>Something the Region depends on (its store, its audit log) cannot take the call now; retrying later may work.</summary>
    public static KmsException DependencyUnavailable(string message) => new(KmsErrorCodes.DependencyTimeout, message);

    public static KmsException Throttled(TimeSpan? retryAfter = null) => new(KmsErrorCodes.Throttling, "Rate exceeded") { RetryAfter = retryAfter };

    public static KmsException MalformedPolicy(string message) => new(KmsErrorCodes.MalformedPolicyDocument, message);

    public static KmsException InvalidMarker() => new(KmsErrorCodes.InvalidMarker, "The marker is invalid.");

    public static KmsException Tag(string message) => new(KmsErrorCodes.Tag, message);

    public static KmsException Conflict(string message) => new(KmsErrorCodes.Conflict, message);

    public static KmsException AlreadyExists(string message) => new(KmsErrorCodes.AlreadyExists, message);

    /// <summary>Echo a caller's value in a message without letting it forge log lines or flood them.</summary>
    /// <summary>A caller's text made safe to repeat: cut to <paramref name="maxLength"/>, control characters and halves of
    /// surrogate pairs (which no UTF-8 encoder takes, so no status or JSON could carry them) replaced by '?'.</summary>
    public static string Printable(string value, int maxLength = 256)
    {
        var cut = value.Length > maxLength ? value[..maxLength] + "..." : value;
        var chars = cut.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsControl(chars[i]) || char.IsSurrogate(chars[i]))
            {
                chars[i] = '?';
            }
        }

        return new string(chars);
    }
}
