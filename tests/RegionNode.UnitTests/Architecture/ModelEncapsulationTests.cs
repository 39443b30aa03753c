using System.Reflection;
using System.Runtime.CompilerServices;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.UnitTests.Architecture;

/// <summary>
/// The model guards its own state: outside the domain nothing can set a property of a model type or reach into one of
/// its collections; every change goes through a method of the model that checks its rule.
/// </summary>
public sealed class ModelEncapsulationTests
{
    private static readonly Type[] MutableCollections =
        [typeof(List<>), typeof(Dictionary<,>), typeof(HashSet<>), typeof(SortedDictionary<,>), typeof(IList<>), typeof(IDictionary<,>), typeof(ISet<>), typeof(ICollection<>)];

    private static IEnumerable<PropertyInfo> PublicProperties => typeof(KmsKey).Assembly.GetTypes()
        .Where(t => t.IsPublic && t.Namespace == typeof(KmsKey).Namespace)
        .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly));

    [Fact]
    public void NoModelProperty_HasASetterOutsideTheDomain()
    {
        var settable = PublicProperties
            .Where(p => p.SetMethod is { IsPublic: true } setter && !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)))
            .Select(p => $"{p.DeclaringType!.Name}.{p.Name}")
            .ToList();
        Assert.True(settable.Count == 0, "settable from outside the domain: " + string.Join(", ", settable));
    }

    [Fact]
    public void NoModelProperty_HandsOutAMutableCollection()
    {
        var mutable = PublicProperties
            // Byte arrays are blobs (wrapped material, hashes) the model replaces whole, never collections it keeps.
            .Where(p => p.PropertyType.IsArray && p.PropertyType != typeof(byte[])
                        || p.PropertyType.IsGenericType && MutableCollections.Contains(p.PropertyType.GetGenericTypeDefinition()))
            .Select(p => $"{p.DeclaringType!.Name}.{p.Name}")
            .ToList();
        Assert.True(mutable.Count == 0, "mutable collections handed out: " + string.Join(", ", mutable));
    }
}
