using Google.Protobuf.Reflection;
using Grpc.Mrk.RegionNode.Api.AwsProtocol;
using Grpc.Mrk.V1;

namespace Grpc.Mrk.RegionNode.UnitTests.AwsProtocol;

/// <summary>
/// AWS's model and our protos describe the same API: every operation of our service is one of the model's, every
/// member of its input and output is one of our fields or refused by name, every field of ours is a member of the
/// model, and every enum value of ours is one of the model's. A proto change that drifts from AWS fails here.
/// </summary>
public sealed class ModelBindingTests
{
    private static readonly AwsServiceModel Model = AwsServiceModel.Kms;

    public static TheoryData<string> OurOperations() => [.. KeyManagementService.Descriptor.Methods.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(OurOperations))]
    public void EveryOperationOfOurs_IsTheModels_AndEveryMemberIsBoundOrRefusedByName(string name)
    {
        var method = KeyManagementService.Descriptor.FindMethodByName(name);
        Assert.True(Model.Operations.TryGetValue(name, out var operation), $"{name} is not an operation of AWS's model");
        AssertBound(Model.Shape(operation!.InputShape), method.InputType, name);
        if (operation.OutputShape is { } output)
        {
            AssertBound(Model.Shape(output), method.OutputType, name);
        }
    }

    [Fact]
    public void ModelOperationsWeDoNotServe_AreExactlyCustomKeyStores()
    {
        var ours = KeyManagementService.Descriptor.Methods.Select(m => m.Name).ToHashSet();
        var missing = Model.Operations.Keys.Where(o => !ours.Contains(o)).Order().ToList();
        Assert.Equal(["ConnectCustomKeyStore", "CreateCustomKeyStore", "DeleteCustomKeyStore", "DescribeCustomKeyStores", "DisconnectCustomKeyStore",
            "UpdateCustomKeyStore"], missing);
    }

    [Theory]
    [InlineData("KeyId", "key_id")]
    [InlineData("AWSAccountId", "aws_account_id")]
    [InlineData("KeyARN", "key_arn")]
    [InlineData("GrantTokens", "grant_tokens")]
    [InlineData("PendingWindowInDays", "pending_window_in_days")]
    public void MemberNames_BecomeOurFieldNames(string member, string field) => Assert.Equal(field, ModelBinding.SnakeCase(member));

    [Theory]
    [InlineData("KeyState", "PendingDeletion", "KEY_STATE_PENDING_DELETION")]
    [InlineData("KeyState", "PendingReplicaDeletion", "KEY_STATE_PENDING_REPLICA_DELETION")]
    [InlineData("GrantOperation", "GenerateDataKeyWithoutPlaintext", "GRANT_OPERATION_GENERATE_DATA_KEY_WITHOUT_PLAINTEXT")]
    [InlineData("EncryptionAlgorithmSpec", "RSAES_OAEP_SHA_256", "ENCRYPTION_ALGORITHM_SPEC_RSAES_OAEP_SHA_256")]
    [InlineData("KeySpec", "ECC_NIST_P256", "KEY_SPEC_ECC_NIST_P256")]
    public void ModelEnumValues_AreOurs(string type, string modelValue, string ours)
    {
        var descriptor = EnumsReflection.Descriptor.FindTypeByName<EnumDescriptor>(type);
        Assert.Equal(ours, ModelBinding.EnumValue(descriptor, modelValue)?.Name);
        Assert.Equal(modelValue, ModelBinding.ModelValue(descriptor.FindValueByName(ours), Model.Shape(type).EnumValues));
    }

    private static void AssertBound(AwsShape shape, MessageDescriptor message, string path)
    {
        var bindings = ModelBinding.Members(shape, message);
        foreach (var binding in bindings)
        {
            var where = $"{path}.{binding.Member}";
            if (binding.Field is null)
            {
                Assert.True(ModelBinding.Unsupported.ContainsKey(binding.Member), $"{where} has no field in {message.FullName} and no stated refusal");
                continue;
            }

            var member = Model.Shape(binding.ShapeName);
            var element = member.Type switch
            {
                "list" => Model.Shape(member.ListMember!),
                "map" => Model.Shape(member.MapValue!),
                _ => member,
            };
            if (member.Type == "map")
            {
                Assert.True(binding.Field.IsMap, $"{where} is a map in the model");
            }
            else if (element.Type == "structure")
            {
                AssertBound(element, binding.Field.MessageType, where);
            }
            else if (element.EnumValues.Count > 0 && binding.Field.FieldType == FieldType.Enum)
            {
                // Every value of ours is the model's (the model may have values we do not serve: those are refused by name). An
                // older name's enum stopped growing (CustomerMasterKeySpec has no newer key specs): left out where it has no value.
                foreach (var value in binding.Field.EnumType.Values.Where(v => v.Number != 0 && !ModelBinding.IsAlias(binding.Member)))
                {
                    Assert.True(ModelBinding.ModelValue(value, element.EnumValues) is not null, $"{where}: {value.Name} is not a value of {element.Name}");
                }
            }
            else
            {
                Assert.Equal(ExpectedKind(element.Type), Kind(binding.Field));
            }
        }

        // Every field of ours is reachable from the model.
        var bound = bindings.Where(b => b.Field is not null).Select(b => b.Field!.Name).ToHashSet();
        Assert.All(message.Fields.InDeclarationOrder(), f => Assert.True(bound.Contains(f.Name), $"{message.FullName}.{f.Name} is no member of {shape.Name}"));
    }

    private static string ExpectedKind(string modelType) => modelType switch
    {
        "string" => "string",
        "blob" => "bytes",
        "boolean" => "bool",
        "integer" or "long" => "number",
        "timestamp" => "timestamp",
        _ => modelType,
    };

    private static string Kind(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => "string",
        FieldType.Bytes => "bytes",
        FieldType.Bool => "bool",
        FieldType.Int32 or FieldType.Int64 or FieldType.UInt32 or FieldType.UInt64 => "number",
        FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp" => "timestamp",
        var other => other.ToString(),
    };
}
