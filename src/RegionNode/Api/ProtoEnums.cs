using System.Collections.Concurrent;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Api;

/// <summary>
/// Maps wire enums to domain enums by name (KEY_SPEC_RSA_2048 on the wire is RSA_2048 in the domain). The zero
/// value UNSPECIFIED means "not given"; a number the contract does not define is a ValidationException.
/// </summary>
internal static class ProtoEnums
{
    private static readonly ConcurrentDictionary<(Type, Type), Dictionary<int, int>> Maps = new();

    public static TDomain? ToDomain<TProto, TDomain>(TProto value, string field)
        where TProto : struct, Enum
        where TDomain : struct, Enum
    {
        var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        if (number == 0)
        {
            return null;
        }

        return Map<TProto, TDomain>().TryGetValue(number, out var mapped)
            ? (TDomain)Enum.ToObject(typeof(TDomain), mapped)
            : throw KmsErrors.Constraint(field, $"Member must satisfy enum value set: [{string.Join(", ", Enum.GetNames<TDomain>())}]");
    }

    public static TProto ToProto<TDomain, TProto>(TDomain value)
        where TDomain : struct, Enum
        where TProto : struct, Enum
    {
        var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
        return Map<TDomain, TProto>().TryGetValue(number, out var mapped)
            ? (TProto)Enum.ToObject(typeof(TProto), mapped)
            : throw new InvalidOperationException($"{typeof(TDomain).Name}.{value} has no wire value");
    }

    private static Dictionary<int, int> Map<TFrom, TTo>()
        where TFrom : struct, Enum
        where TTo : struct, Enum =>
        Maps.GetOrAdd((typeof(TFrom), typeof(TTo)), _ =>
        {
            var targets = Enum.GetValues<TTo>().ToDictionary(v => Normalize(v.ToString()), v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture));
            var map = new Dictionary<int, int>();
            foreach (var source in Enum.GetValues<TFrom>())
            {
                if (targets.TryGetValue(Normalize(source.ToString()), out var target))
                {
                    map[Convert.ToInt32(source, System.Globalization.CultureInfo.InvariantCulture)] = target;
                }
            }

            return map;
        });

    private static string Normalize(string name) => name.Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant();
}
