using Google.Protobuf;
using Grpc.Core;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.Api;

public sealed partial class KeyManagementApi
{
    public override async Task<EncryptResponse> Encrypt(EncryptRequest request, ServerCallContext context)
    {
        var result = await encryption.EncryptAsync(CallerOf(context), request.KeyId, request.Plaintext.ToByteArray(), request.EncryptionContext,
            request.GrantTokens, EncryptionAlgorithmOf(request.EncryptionAlgorithm, "encryptionAlgorithm"), context.CancellationToken)
            .ConfigureAwait(false);
        return new EncryptResponse
        {
            CiphertextBlob = UnsafeByteOperations.UnsafeWrap(result.CiphertextBlob),
            KeyId = result.KeyArn,
            EncryptionAlgorithm = ToProto(result.Algorithm),
        };
    }

    public override async Task<DecryptResponse> Decrypt(DecryptRequest request, ServerCallContext context)
    {
        var result = await encryption.DecryptAsync(CallerOf(context), request.CiphertextBlob.ToByteArray(), request.EncryptionContext, request.GrantTokens,
            request.KeyId, EncryptionAlgorithmOf(request.EncryptionAlgorithm, "encryptionAlgorithm"), context.CancellationToken)
            .ConfigureAwait(false);
        return new DecryptResponse
        {
            KeyId = result.KeyArn,
            Plaintext = UnsafeByteOperations.UnsafeWrap(result.Plaintext),
            EncryptionAlgorithm = ToProto(result.Algorithm),
            KeyMaterialId = result.KeyMaterialId ?? string.Empty,
        };
    }

    public override async Task<ReEncryptResponse> ReEncrypt(ReEncryptRequest request, ServerCallContext context)
    {
        var result = await encryption.ReEncryptAsync(CallerOf(context), request.CiphertextBlob.ToByteArray(), request.SourceEncryptionContext,
            request.SourceKeyId, request.DestinationKeyId, request.DestinationEncryptionContext,
            EncryptionAlgorithmOf(request.SourceEncryptionAlgorithm, "sourceEncryptionAlgorithm"),
            EncryptionAlgorithmOf(request.DestinationEncryptionAlgorithm, "destinationEncryptionAlgorithm"),
            request.GrantTokens, context.CancellationToken).ConfigureAwait(false);
        return new ReEncryptResponse
        {
            CiphertextBlob = UnsafeByteOperations.UnsafeWrap(result.Destination.CiphertextBlob),
            SourceKeyId = result.Source.KeyArn,
            KeyId = result.Destination.KeyArn,
            SourceEncryptionAlgorithm = ToProto(result.Source.Algorithm),
            DestinationEncryptionAlgorithm = ToProto(result.Destination.Algorithm),
            SourceKeyMaterialId = result.Source.KeyMaterialId ?? string.Empty,
            DestinationKeyMaterialId = result.DestinationKeyMaterialId ?? string.Empty,
        };
    }

    public override async Task<GenerateDataKeyResponse> GenerateDataKey(GenerateDataKeyRequest request, ServerCallContext context)
    {
        var result = await dataKeys.GenerateDataKeyAsync(CallerOf(context), request.KeyId, request.EncryptionContext,
            request.HasNumberOfBytes ? request.NumberOfBytes : null, DataKeySpecOf(request.KeySpec), request.GrantTokens,
            KeyOperation.GenerateDataKey, context.CancellationToken).ConfigureAwait(false);
        return new GenerateDataKeyResponse
        {
            CiphertextBlob = UnsafeByteOperations.UnsafeWrap(result.CiphertextBlob),
            Plaintext = UnsafeByteOperations.UnsafeWrap(result.Plaintext),
            KeyId = result.KeyArn,
            KeyMaterialId = result.KeyMaterialId,
        };
    }

    public override async Task<GenerateDataKeyWithoutPlaintextResponse> GenerateDataKeyWithoutPlaintext(
        GenerateDataKeyWithoutPlaintextRequest request, ServerCallContext context)
    {
        var result = await dataKeys.GenerateDataKeyAsync(CallerOf(context), request.KeyId, request.EncryptionContext,
            request.HasNumberOfBytes ? request.NumberOfBytes : null, DataKeySpecOf(request.KeySpec), request.GrantTokens,
            KeyOperation.GenerateDataKeyWithoutPlaintext, context.CancellationToken).ConfigureAwait(false);
        return new GenerateDataKeyWithoutPlaintextResponse
        {
            CiphertextBlob = UnsafeByteOperations.UnsafeWrap(result.CiphertextBlob),
            KeyId = result.KeyArn,
            KeyMaterialId = result.KeyMaterialId,
        };
    }

    public override async Task<GenerateDataKeyPairResponse> GenerateDataKeyPair(GenerateDataKeyPairRequest request, ServerCallContext context)
    {
        var result = await dataKeys.GenerateDataKeyPairAsync(CallerOf(context), request.KeyId, request.EncryptionContext, DataKeyPairSpecOf(request.KeyPairSpec),
            request.GrantTokens, KeyOperation.GenerateDataKeyPair, context.CancellationToken).ConfigureAwait(false);
        return new GenerateDataKeyPairResponse
        {
            PrivateKeyCiphertextBlob = UnsafeByteOperations.UnsafeWrap(result.PrivateKeyCiphertextBlob),
            PrivateKeyPlaintext = UnsafeByteOperations.UnsafeWrap(result.PrivateKeyPlaintext),
            PublicKey = UnsafeByteOperations.UnsafeWrap(result.PublicKey),
            KeyId = result.KeyArn,
            KeyPairSpec = request.KeyPairSpec,
            KeyMaterialId = result.KeyMaterialId,
        };
    }

    public override async Task<GenerateDataKeyPairWithoutPlaintextResponse> GenerateDataKeyPairWithoutPlaintext(
        GenerateDataKeyPairWithoutPlaintextRequest request, ServerCallContext context)
    {
        var result = await dataKeys.GenerateDataKeyPairAsync(CallerOf(context), request.KeyId, request.EncryptionContext, DataKeyPairSpecOf(request.KeyPairSpec),
            request.GrantTokens, KeyOperation.GenerateDataKeyPairWithoutPlaintext, context.CancellationToken).ConfigureAwait(false);
        return new GenerateDataKeyPairWithoutPlaintextResponse
        {
            PrivateKeyCiphertextBlob = UnsafeByteOperations.UnsafeWrap(result.PrivateKeyCiphertextBlob),
            PublicKey = UnsafeByteOperations.UnsafeWrap(result.PublicKey),
            KeyId = result.KeyArn,
            KeyPairSpec = request.KeyPairSpec,
            KeyMaterialId = result.KeyMaterialId,
        };
    }

    public override async Task<SignResponse> Sign(SignRequest request, ServerCallContext context)
    {
        var result = await signing.SignAsync(CallerOf(context), request.KeyId, request.Message.ToByteArray(), MessageTypeOf(request.MessageType),
            SigningAlgorithmOf(request.SigningAlgorithm), request.GrantTokens, context.CancellationToken).ConfigureAwait(false);
        return new SignResponse
        {
            KeyId = result.KeyArn,
            Signature = UnsafeByteOperations.UnsafeWrap(result.Signature),
            SigningAlgorithm = request.SigningAlgorithm,
        };
    }

    public override async Task<VerifyResponse> Verify(VerifyRequest request, ServerCallContext context)
    {
        var result = await signing.VerifyAsync(CallerOf(context), request.KeyId, request.Message.ToByteArray(), MessageTypeOf(request.MessageType),
            request.Signature.ToByteArray(), SigningAlgorithmOf(request.SigningAlgorithm), request.GrantTokens, context.CancellationToken)
            .ConfigureAwait(false);
        return new VerifyResponse { KeyId = result.KeyArn, SignatureValid = true, SigningAlgorithm = request.SigningAlgorithm };
    }

    public override async Task<GetPublicKeyResponse> GetPublicKey(GetPublicKeyRequest request, ServerCallContext context)
    {
        var result = await signing.GetPublicKeyAsync(CallerOf(context), request.KeyId, request.GrantTokens, context.CancellationToken).ConfigureAwait(false);
        var metadata = KeyMetadataMapper.ToMetadata(result.Key, region);
        var response = new GetPublicKeyResponse
        {
            KeyId = result.Key.Arn,
            PublicKey = UnsafeByteOperations.UnsafeWrap(result.PublicKey),
            KeySpec = metadata.KeySpec,
            KeyUsage = metadata.KeyUsage,
        };
        response.EncryptionAlgorithms.AddRange(metadata.EncryptionAlgorithms);
        response.SigningAlgorithms.AddRange(metadata.SigningAlgorithms);
        response.KeyAgreementAlgorithms.AddRange(metadata.KeyAgreementAlgorithms);
        return response;
    }

    public override async Task<GenerateMacResponse> GenerateMac(GenerateMacRequest request, ServerCallContext context)
    {
        var result = await macs.GenerateMacAsync(CallerOf(context), request.Message.ToByteArray(), request.KeyId, MacAlgorithmOf(request.MacAlgorithm),
            request.GrantTokens, context.CancellationToken).ConfigureAwait(false);
        return new GenerateMacResponse { Mac = UnsafeByteOperations.UnsafeWrap(result.Mac), MacAlgorithm = request.MacAlgorithm, KeyId = result.KeyArn };
    }

    public override async Task<VerifyMacResponse> VerifyMac(VerifyMacRequest request, ServerCallContext context)
    {
        var result = await macs.VerifyMacAsync(CallerOf(context), request.Message.ToByteArray(), request.KeyId, MacAlgorithmOf(request.MacAlgorithm),
            request.Mac.ToByteArray(), request.GrantTokens, context.CancellationToken).ConfigureAwait(false);
        return new VerifyMacResponse { KeyId = result.KeyArn, MacValid = true, MacAlgorithm = request.MacAlgorithm };
    }

    public override async Task<DeriveSharedSecretResponse> DeriveSharedSecret(DeriveSharedSecretRequest request, ServerCallContext context)
    {
        var algorithm = ProtoEnums.ToDomain<KeyAgreementAlgorithmSpec, KeyAgreementAlgorithm>(request.KeyAgreementAlgorithm, "keyAgreementAlgorithm");
        var result = await signing.DeriveSharedSecretAsync(CallerOf(context), request.KeyId, algorithm, request.PublicKey.ToByteArray(), request.GrantTokens,
            context.CancellationToken).ConfigureAwait(false);
        return new DeriveSharedSecretResponse
        {
            KeyId = result.KeyArn,
            SharedSecret = UnsafeByteOperations.UnsafeWrap(result.SharedSecret),
            KeyAgreementAlgorithm = request.KeyAgreementAlgorithm,
            KeyOrigin = ProtoEnums.ToProto<KeyOrigin, OriginType>(result.Origin),
        };
    }

    public override Task<GenerateRandomResponse> GenerateRandom(GenerateRandomRequest request, ServerCallContext context) =>
        Task.FromResult(new GenerateRandomResponse
        {
            Plaintext = UnsafeByteOperations.UnsafeWrap(dataKeys.GenerateRandom(CallerOf(context), request.HasNumberOfBytes ? request.NumberOfBytes : null)),
        });

    private static EncryptionAlgorithm? EncryptionAlgorithmOf(EncryptionAlgorithmSpec value, string field) =>
        ProtoEnums.ToDomain<EncryptionAlgorithmSpec, EncryptionAlgorithm>(value, field);

    private static EncryptionAlgorithmSpec ToProto(EncryptionAlgorithm value) =>
        ProtoEnums.ToProto<EncryptionAlgorithm, EncryptionAlgorithmSpec>(value);

    private static Domain.Specs.DataKeySpec? DataKeySpecOf(V1.DataKeySpec value) =>
        ProtoEnums.ToDomain<V1.DataKeySpec, Domain.Specs.DataKeySpec>(value, "keySpec");

    private static Domain.Specs.DataKeyPairSpec? DataKeyPairSpecOf(V1.DataKeyPairSpec value) =>
        ProtoEnums.ToDomain<V1.DataKeyPairSpec, Domain.Specs.DataKeyPairSpec>(value, "keyPairSpec");

    private static Domain.Specs.MessageType? MessageTypeOf(V1.MessageType value) =>
        ProtoEnums.ToDomain<V1.MessageType, Domain.Specs.MessageType>(value, "messageType");

    private static SigningAlgorithm? SigningAlgorithmOf(SigningAlgorithmSpec value) =>
        ProtoEnums.ToDomain<SigningAlgorithmSpec, SigningAlgorithm>(value, "signingAlgorithm");

    private static MacAlgorithm? MacAlgorithmOf(MacAlgorithmSpec value) =>
        ProtoEnums.ToDomain<MacAlgorithmSpec, MacAlgorithm>(value, "macAlgorithm");
}
