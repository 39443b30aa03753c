using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

public sealed partial class KeyManagementApi
{
    public override async Task<GetParametersForImportResponse> GetParametersForImport(GetParametersForImportRequest request, ServerCallContext context)
    {
        var issued = await imports.GetParametersForImportAsync(CallerOf(context), request.KeyId,
            ProtoEnums.ToDomain<AlgorithmSpec, Domain.Specs.WrappingAlgorithm>(request.WrappingAlgorithm, "wrappingAlgorithm"),
            ProtoEnums.ToDomain<V1.WrappingKeySpec, Domain.Specs.WrappingKeySpec>(request.WrappingKeySpec, "wrappingKeySpec"),
            context.CancellationToken).ConfigureAwait(false);
        return new GetParametersForImportResponse
        {
            KeyId = issued.KeyArn,
            ImportToken = Google.Protobuf.ByteString.CopyFrom(issued.ImportToken),
            PublicKey = Google.Protobuf.ByteString.CopyFrom(issued.PublicKey),
            ParametersValidTo = KeyMetadataMapper.ToTimestamp(issued.ValidTo),
        };
    }

    public override async Task<ImportKeyMaterialResponse> ImportKeyMaterial(ImportKeyMaterialRequest request, ServerCallContext context)
    {
        var command = new ImportKeyMaterialCommand(
            request.KeyId,
            request.ImportToken.ToByteArray(),
            request.EncryptedKeyMaterial.ToByteArray(),
            ProtoTime.Read(request.ValidTo, "validTo"),
            ProtoEnums.ToDomain<ExpirationModelType, Domain.Specs.ExpirationModel>(request.ExpirationModel, "expirationModel"),
            ProtoEnums.ToDomain<V1.ImportType, Domain.Specs.ImportType>(request.ImportType, "importType"),
            request.KeyMaterialDescription,
            request.KeyMaterialId);
        var (arn, materialId) = await imports.ImportKeyMaterialAsync(CallerOf(context), command, context.CancellationToken).ConfigureAwait(false);
        return new ImportKeyMaterialResponse { KeyId = arn, KeyMaterialId = materialId };
    }

    public override async Task<DeleteImportedKeyMaterialResponse> DeleteImportedKeyMaterial(DeleteImportedKeyMaterialRequest request,
        ServerCallContext context)
    {
        var (arn, materialId) = await imports.DeleteImportedKeyMaterialAsync(CallerOf(context), request.KeyId, request.KeyMaterialId, context.CancellationToken)
            .ConfigureAwait(false);
        return new DeleteImportedKeyMaterialResponse { KeyId = arn, KeyMaterialId = materialId ?? string.Empty };
    }
}
