namespace Grpc.Mrk.RegionNode.Domain.Policies;

/// <summary>The operation-specific condition keys, as AWS KMS sets them.</summary>
public static class ConditionKeys
{
    /// <summary>kms:EncryptionContext:&lt;key&gt; for each pair and kms:EncryptionContextKeys, plus kms:EncryptionAlgorithm when known.</summary>
    public static Action<AccessRequest> Encryption(IReadOnlyDictionary<string, string> context, object? algorithm = null) => request =>
    {
        request.EncryptionContext = context;
        foreach (var (key, value) in context)
        {
            request.With($"kms:EncryptionContext:{key}", value);
        }

        if (context.Count > 0)
        {
            request.With("kms:EncryptionContextKeys", context.Keys.ToArray());
        }

        if (algorithm is not null)
        {
            request.With("kms:EncryptionAlgorithm", algorithm.ToString()!);
        }
    };

    /// <summary>
    /// kms:BypassPolicyLockoutSafetyCheck: present, "true", only when the caller bypasses the check, so that both of AWS's
    /// recommended guards (Deny on Bool true, Allow on Null true) hold; a request that does not bypass it lacks the key.
    /// </summary>
    public static Action<AccessRequest>? Bypass(bool bypass) => bypass ? One("kms:BypassPolicyLockoutSafetyCheck", "true") : null;

    /// <summary>aws:RequestTag/&lt;key&gt; for each tag the request sets, and aws:TagKeys.</summary>
    public static Action<AccessRequest> Tags(IReadOnlyList<Model.Tag> tags) => request =>
    {
        foreach (var tag in tags)
        {
            request.With($"aws:RequestTag/{tag.TagKey}", tag.TagValue);
        }

        request.With("aws:TagKeys", [.. tags.Select(t => t.TagKey)]);
    };

    public static Action<AccessRequest> One(string key, object? value) => request =>
    {
        if (value is not null)
        {
            request.With(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
        }
    };

    public static Action<AccessRequest> All(params Action<AccessRequest>?[] parts) => request =>
    {
        foreach (var part in parts)
        {
            part?.Invoke(request);
        }
    };
}
