using Grpc.Mrk.RegionNode.Api;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Spec = Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.UnitTests.Api;

/// <summary>Every domain enum value has exactly one wire value and back, so no AWS constant is lost on the way.</summary>
public sealed class ProtoEnumsTests
{
    [Fact]
    public void EveryDomainValue_RoundTripsThroughTheWire()
    {
        RoundTrip<Spec.KeySpec, V1.KeySpec>();
        RoundTrip<Spec.KeyUsage, V1.KeyUsageType>();
        RoundTrip<Spec.KeyState, V1.KeyState>();
        RoundTrip<Spec.KeyOrigin, V1.OriginType>();
        RoundTrip<Spec.EncryptionAlgorithm, V1.EncryptionAlgorithmSpec>();
        RoundTrip<Spec.SigningAlgorithm, V1.SigningAlgorithmSpec>();
        RoundTrip<Spec.MacAlgorithm, V1.MacAlgorithmSpec>();
        RoundTrip<Spec.KeyAgreementAlgorithm, V1.KeyAgreementAlgorithmSpec>();
        RoundTrip<Spec.MessageType, V1.MessageType>();
        RoundTrip<Spec.DataKeySpec, V1.DataKeySpec>();
        RoundTrip<Spec.DataKeyPairSpec, V1.DataKeyPairSpec>();
        RoundTrip<Spec.MultiRegionKeyType, V1.MultiRegionKeyType>();
        RoundTrip<Spec.RotationType, V1.RotationType>();
        RoundTrip<Spec.KeyMaterialState, V1.KeyMaterialState>();
        RoundTrip<Spec.IncludeKeyMaterial, V1.IncludeKeyMaterial>();
    }

    [Fact]
    public void ToDomain_Unspecified_IsNull() =>
        Assert.Null(ProtoEnums.ToDomain<V1.KeySpec, Spec.KeySpec>(V1.KeySpec.Unspecified, "keySpec"));

    [Fact]
    public void ToDomain_UnknownNumber_ValidationException()
    {
        var error = Assert.Throws<KmsException>(() => ProtoEnums.ToDomain<V1.KeySpec, Spec.KeySpec>((V1.KeySpec)999, "keySpec"));
        Assert.Equal(KmsErrorCodes.Validation, error.ErrorCode);
    }

    private static void RoundTrip<TDomain, TProto>()
        where TDomain : struct, Enum
        where TProto : struct, Enum
    {
        foreach (var value in Enum.GetValues<TDomain>())
        {
            var wire = ProtoEnums.ToProto<TDomain, TProto>(value);
            Assert.Equal(value, ProtoEnums.ToDomain<TProto, TDomain>(wire, "field"));
        }
    }
}
