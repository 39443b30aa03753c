namespace Grpc.Mrk.RegionNode.Domain.Paging;

/// <summary>One page of a list; <see cref="NextMarker"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextMarker)
{
    public bool Truncated => NextMarker is not null;
}
