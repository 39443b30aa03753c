using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Validation;

/// <summary>AWS's rules for resource tags.</summary>
public static class TagRules
{
    /// <param name="maxTags">The tags-per-key quota.</param>
    public static IReadOnlyList<Tag> Validate(IReadOnlyList<Tag> tags, int maxTags)
    {
        // AWS's words for a request with more tags than a key may have; a key that would pass the limit by adding them is
        // LimitExceededException (KmsKey.Tag).
        if (tags.Count > maxTags)
        {
            throw KmsErrors.Tag("Too many tags");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            ValidateKey(tag.TagKey, $"tags.{i + 1}.member.tagKey");
            ParameterChecks.WellFormed(tag.TagValue, $"tags.{i + 1}.member.tagValue");
            ParameterChecks.Length(tag.TagValue, $"tags.{i + 1}.member.tagValue", 0, 256);
            if (!seen.Add(tag.TagKey))
            {
                throw KmsErrors.Tag("Duplicate tag keys");
            }
        }

        return tags;
    }

    /// <param name="field">Where the key is in the request, as AWS names it ("tags.1.member.tagKey", "tagKeys.2.member").</param>
    public static void ValidateKey(string tagKey, string field)
    {
        ParameterChecks.WellFormed(tagKey, field);
        ParameterChecks.Length(tagKey, field, 1, 128);
        if (tagKey.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
        {
            throw KmsErrors.Tag("Tags beginning with aws: are reserved");
        }
    }
}
