using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Paging;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Quotas;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>Tags on a key: independent per Region, as AWS keeps them.</summary>
public sealed class TagOperations(KeyResolver resolver, KeyChanges changes, ResourceQuotas quotas)
{
    public Task TagResourceAsync(Caller caller, string keyId, IReadOnlyList<Tag> tags, CancellationToken cancellationToken)
    {
        if (tags.Count == 0)
        {
            throw Errors.KmsErrors.Constraint("tags", "Member must not be empty");
        }

        TagRules.Validate(tags, quotas.TagsPerKey);
        return changes.ChangeAsync(keyId, Access.For(caller, "TagResource", ConditionKeys.Tags(tags)), key => key.Tag(tags, quotas.TagsPerKey), cancellationToken);
    }

    public Task UntagResourceAsync(Caller caller, string keyId, IReadOnlyList<string> tagKeys, CancellationToken cancellationToken)
    {
        if (tagKeys.Count == 0)
        {
            throw Errors.KmsErrors.Constraint("tagKeys", "Member must not be empty");
        }

        for (var i = 0; i < tagKeys.Count; i++)
        {
            TagRules.ValidateKey(tagKeys[i], $"tagKeys.{i + 1}.member");
        }

        return changes.ChangeAsync(keyId, Access.For(caller, "UntagResource", request => request.With("aws:TagKeys", [.. tagKeys])), key => key.Untag(tagKeys.ToHashSet(StringComparer.Ordinal)), cancellationToken);
    }

    public async Task<Page<Tag>> ListResourceTagsAsync(Caller caller, string keyId, int? limit, string marker, CancellationToken cancellationToken)
    {
        var key = await resolver.ResolveAsync(keyId, Access.For(caller, "ListResourceTags"), cancellationToken).ConfigureAwait(false);
        key.Require(KeyOperation.ListResourceTags);
        return PageMarkers.PageOf(key.Tags, limit, marker, 50);
    }
}
