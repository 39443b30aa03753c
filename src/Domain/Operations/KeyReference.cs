using System.Text.RegularExpressions;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>
/// What a caller's key identifier names: a key ID or an alias name in this Region. Accepts every form AWS accepts:
/// key ID, key ARN, alias name and alias ARN.
/// </summary>
public sealed partial record KeyReference(string? KeyId, string? AliasName)
{
    public const int MaxLength = 2048;

    public static KeyReference Parse(string identifier, RegionIdentity region, string field = "keyId")
    {
        ParameterChecks.Present(identifier, field);
        ParameterChecks.Length(identifier, field, 1, MaxLength);
        if (identifier.StartsWith("arn:", StringComparison.Ordinal))
        {
            return ParseArn(identifier, region);
        }

        if (identifier.StartsWith("alias/", StringComparison.Ordinal))
        {
            return new KeyReference(null, identifier);
        }

        if (IsKeyId(identifier))
        {
            return new KeyReference(identifier, null);
        }

        throw KmsErrors.InvalidKeyId(identifier);
    }

    public static bool IsKeyId(string value) => KeyIdPattern().IsMatch(value);

    private static KeyReference ParseArn(string arn, RegionIdentity region)
    {
        var match = ArnPattern().Match(arn);
        if (!match.Success)
        {
            throw KmsErrors.InvalidArn(arn);
        }

        var resource = match.Groups["resource"].Value;
        var sameRegion = match.Groups["partition"].Value == region.Partition
            && match.Groups["region"].Value == region.Region
            && match.Groups["account"].Value == region.AccountId;
        if (resource.StartsWith("key/", StringComparison.Ordinal))
        {
            var keyId = resource[4..];
            if (!IsKeyId(keyId))
            {
                throw KmsErrors.InvalidArn(arn);
            }

            // A key of another Region or account is never found here; AWS answers NotFoundException for it.
            return sameRegion ? new KeyReference(keyId, null) : throw KmsErrors.KeyNotFound(arn);
        }

        if (resource.StartsWith("alias/", StringComparison.Ordinal))
        {
            return sameRegion ? new KeyReference(null, resource) : throw KmsErrors.AliasNotFound(arn);
        }

        throw KmsErrors.InvalidArn(arn);
    }

    [GeneratedRegex("^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")]
    private static partial Regex KeyIdPattern();

    [GeneratedRegex("^arn:(?<partition>[a-z-]+):kms:(?<region>[a-z0-9-]+):(?<account>[0-9]{12}):(?<resource>.+)$")]
    private static partial Regex ArnPattern();
}
