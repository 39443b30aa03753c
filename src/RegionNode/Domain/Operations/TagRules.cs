using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>AWS's rules for resource tags.</summary>
public static class TagRules
{
    public const int MaxTagsPerKey = 50;

    public static IReadOnlyList<Tag> Validate(IReadOnlyList<Tag> tags)
    {
        if (tags.Count > MaxTagsPerKey)
        {
            throw KmsErrors.LimitExceeded($"A KMS key can have at most {MaxTagsPerKey} tags.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            ValidateKey(tag.TagKey);
            Require.WellFormed(tag.TagValue, "tags.member.tagValue");
            Require.Length(tag.TagValue, "tags.member.tagValue", 0, 256);
            if (!seen.Add(tag.TagKey))
            {
                throw KmsErrors.Tag($"Duplicate tag key '{KmsErrors.Printable(tag.TagKey)}' in the request.");
            }
        }

        return tags;
    }

    public static void ValidateKey(string tagKey)
    {
        Require.WellFormed(tagKey, "tags.member.tagKey");
        Require.Length(tagKey, "tags.member.tagKey", 1, 128);
        if (tagKey.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            throw KmsErrors.Tag("Tag keys beginning with 'aws:' are reserved.");
        }
    }
}
