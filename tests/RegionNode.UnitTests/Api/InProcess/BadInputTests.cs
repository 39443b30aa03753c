using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Mrk.Client;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Grpc.Net.Client;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>
/// Bad input of every kind gets an AWS-named error, never INTERNAL or UNKNOWN, and changes nothing.
/// </summary>
public sealed class BadInputTests(InProcessNodeFixture fixture) : IClassFixture<InProcessNodeFixture>
{
    private static readonly HashSet<string> ValidWhenEmpty = ["CreateKey", "ListKeys", "ListAliases"];

    private InProcessRegionNode Node => fixture.Node;

    public static TheoryData<string> Methods()
    {
        var data = new TheoryData<string>();
        foreach (var method in KeyManagementService.Descriptor.Methods)
        {
            data.Add(method.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EmptyRequest_AwsNamedErrorAndNothingChanges(string methodName)
    {
        var method = KeyManagementService.Descriptor.FindMethodByName(methodName);
        if (ValidWhenEmpty.Contains(methodName))
        {
            return; // An empty CreateKey makes a symmetric key and empty lists list everything, as in AWS; covered elsewhere.
        }

        var before = await SnapshotAsync();
        var error = await Assert.ThrowsAsync<MrkException>(() => Node.Client.InvokeAsync(method, method.InputType.Parser.ParseFrom(ByteString.Empty)).WithTimeout());
        AssertNamed(error);
        Assert.Equal(before, await SnapshotAsync());
    }

    public static TheoryData<string> OtherServiceMethods()
    {
        var data = new TheoryData<string>();
        foreach (var method in AuditLog.Descriptor.Methods.Concat(Grpc.Mrk.Admin.V1.PrincipalAdmin.Descriptor.Methods))
        {
            data.Add(method.FullName);
        }

        return data;
    }

    /// <summary>The audit and principal services parse strictly too: garbage is INVALID_ARGUMENT (ValidationException), never UNKNOWN.</summary>
    [Theory]
    [MemberData(nameof(OtherServiceMethods))]
    public async Task GarbageBytes_OtherServices_ValidationException(string fullName)
    {
        var method = AuditLog.Descriptor.Methods.Concat(Grpc.Mrk.Admin.V1.PrincipalAdmin.Descriptor.Methods).Single(m => m.FullName == fullName);
        // Unparseable whatever the message: a cut-off length-delimited field, an invalid wire type, an over-long varint.
        foreach (var payload in new[] { new byte[] { 0x0a, 0x05, 0x61 }, [0xff], [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => RawCallAsync(method, payload));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal("ValidationException", MrkErrors.ErrorCodeOf(error));
        }

        await AssertStillServingAsync();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task GarbageBytes_NeverInternal(string methodName)
    {
        var method = KeyManagementService.Descriptor.FindMethodByName(methodName);
        var random = new Random(methodName.GetHashCode(StringComparison.Ordinal));
        var valid = SampleRequest(method).ToByteArray();
        var before = await SnapshotAsync();
        var cases = new List<byte[]>
        {
            new byte[] { 0xff },
            new byte[] { 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f },       // a length far beyond the message
            new byte[] { 0x0a, 0x02, 0xc3, 0x28 },                     // invalid UTF-8 in field 1 (a string in many requests)
            new byte[] { 0x12, 0x02, 0xed, 0xa0 },                     // invalid UTF-8 in field 2
            new byte[] { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, // an over-long varint
            new byte[] { 0x07 },                                       // a field number 0 / bad wire type
        };
        for (var i = 0; i < 40; i++)
        {
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            cases.Add(bytes);
            if (valid.Length > 0)
            {
                var flipped = (byte[])valid.Clone();
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                cases.Add(flipped);
                cases.Add(valid[..random.Next(valid.Length)]);
            }
        }

        foreach (var payload in cases)
        {
            try
            {
                await RawCallAsync(method, payload);
            }
            catch (RpcException e)
            {
                Assert.True(e.StatusCode is not (StatusCode.Internal or StatusCode.Unknown),
                    $"{methodName} answered {e.StatusCode} ({e.Status.Detail}) to {Convert.ToHexString(payload)}");
            }
        }

        if (methodName != "CreateKey")
        {
            Assert.Equal(before, await SnapshotAsync());
        }

        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("", "ValidationException")]
    [InlineData("not-a-key", "NotFoundException")]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException")]
    [InlineData("mrk-1234abcd12ab34cd56ef1234567890ab", "NotFoundException")]
    [InlineData("mrk-1234", "NotFoundException")]
    [InlineData("alias/does-not-exist", "NotFoundException")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/", "InvalidArnException")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/zzz", "InvalidArnException")]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException")]
    [InlineData("arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:alias/nope", "NotFoundException")]
    [InlineData("arn:aws:kms:us-east-1:111122223333:thing/x", "InvalidArnException")]
    [InlineData("arn:nonsense", "InvalidArnException")]
    [InlineData("\u0000\u0001", "NotFoundException")]
    [InlineData("ключ", "NotFoundException")]
    public async Task KeyIdShapes_AnswerAsAws(string keyId, string expected)
    {
        await Errors.ExpectAsync(expected, Node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, deadline: Deadline.Soon));
        await Errors.ExpectAsync(expected, Node.Kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = ByteString.CopyFromUtf8("x") },
            deadline: Deadline.Soon));
    }

    [Fact]
    public async Task KeyIdTooLong_Validation() =>
        await Errors.ExpectAsync("ValidationException", Node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = new string('a', 2049) }, deadline: Deadline.Soon));

    [Fact]
    public async Task OutOfRangeFields_ValidationAndNothingChanges()
    {
        var key = await Node.CreateAsync(description: "unchanged");
        var before = await SnapshotAsync();
        await Errors.ExpectAsync("ValidationException", Node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = ByteString.CopyFrom(new byte[4097]),
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = ByteString.CopyFrom(new byte[6145]),
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest
        {
            KeyId = key.KeyId, Description = new string('d', 8193),
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.CreateKeyAsync(new CreateKeyRequest { Description = new string('d', 8193) },
            deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = KeySpec.EccNistP256, KeyUsage = KeyUsageType.EncryptDecrypt,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = (KeySpec)99 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.CreateKeyAsync(new CreateKeyRequest { KeyUsage = (KeyUsageType)99 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("MalformedPolicyDocumentException", Node.Kms.CreateKeyAsync(new CreateKeyRequest { Policy = "{not json" }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("MalformedPolicyDocumentException", Node.Kms.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId, Policy = "{\"Statement\":[{\"Effect\":\"Maybe\"}]}",
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("LimitExceededException", Node.Kms.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId, Policy = "{\"Statement\":[],\"Pad\":\"" + new string('p', 33 * 1024) + "\"}",
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId, PolicyName = "other", Policy = "{}",
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("TagException", Node.Kms.TagResourceAsync(new TagResourceRequest
        {
            KeyId = key.KeyId, Tags = { new Tag { TagKey = "aws:reserved", TagValue = "v" } },
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.TagResourceAsync(new TagResourceRequest
        {
            KeyId = key.KeyId, Tags = { new Tag { TagKey = new string('k', 129), TagValue = "v" } },
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("TagException", Node.Kms.TagResourceAsync(new TagResourceRequest
        {
            KeyId = key.KeyId, Tags = { Enumerable.Range(0, 51).Select(i => new Tag { TagKey = $"t{i}", TagValue = "v" }) },
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.ListKeysAsync(new ListKeysRequest { Limit = 0 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.ListKeysAsync(new ListKeysRequest { Limit = 1001 }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("InvalidMarkerException", Node.Kms.ListKeysAsync(new ListKeysRequest { Marker = "garbage!" }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("InvalidMarkerException", Node.Kms.ListAliasesAsync(new ListAliasesRequest { Marker = "%%%" }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x"), GrantTokens = { Enumerable.Repeat("t", 11) },
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest
        {
            KeyId = key.KeyId, RotationPeriodInDays = 89,
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("ValidationException", Node.Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest
        {
            KeyId = key.KeyId, RotationPeriodInDays = 2561,
        }, deadline: Deadline.Soon));
        var contextTooLarge = new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x") };
        contextTooLarge.EncryptionContext.Add("k", new string('v', 9000));
        await Errors.ExpectAsync("ValidationException", Node.Kms.EncryptAsync(contextTooLarge, deadline: Deadline.Soon));
        var emptyContextKey = new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("x") };
        emptyContextKey.EncryptionContext.Add(string.Empty, "v");
        await Errors.ExpectAsync("ValidationException", Node.Kms.EncryptAsync(emptyContextKey, deadline: Deadline.Soon));
        Assert.Equal(before, await SnapshotAsync());
        var after = (await Node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata;
        Assert.Equal(key, after);
        var policy = (await Node.Kms.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).Policy;
        Assert.Contains("arn:aws:iam::111122223333:root", policy, StringComparison.Ordinal);
        Assert.Empty((await Node.Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).Tags);
    }

    [Fact]
    public async Task OversizedMessage_ResourceExhaustedNotInternal()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Node.Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = "alias/x", Plaintext = ByteString.CopyFrom(new byte[2 * 1024 * 1024]),
        }, deadline: Deadline.Soon).ResponseAsync.WithTimeout());
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
    }

    [Fact]
    public async Task RandomCiphertexts_InvalidCiphertextOrAccessDenied()
    {
        var random = new Random(20261128);
        var key = await Node.CreateAsync();
        var blob = (await Node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("p") }, deadline: Deadline.Soon))
            .CiphertextBlob.ToByteArray();
        for (var i = 0; i < 100; i++)
        {
            var candidate = i % 2 == 0 ? new byte[random.Next(1, 300)] : (byte[])blob.Clone();
            if (i % 2 == 0)
            {
                random.NextBytes(candidate);
            }
            else
            {
                candidate[random.Next(candidate.Length)] ^= (byte)(1 << random.Next(8));
            }

            var error = await Assert.ThrowsAsync<RpcException>(() => Node.Kms.DecryptAsync(new DecryptRequest
            {
                CiphertextBlob = ByteString.CopyFrom(candidate),
            }, deadline: Deadline.Soon).ResponseAsync.WithTimeout());
            Assert.Contains(MrkErrors.ErrorCodeOf(error), new[] { "InvalidCiphertextException", "AccessDeniedException" });
        }
    }

    /// <summary>The node answers an ordinary call after the bad ones: nothing it was sent took its serving down.</summary>
    private async Task AssertStillServingAsync()
    {
        var listed = await Node.Kms.ListKeysAsync(new ListKeysRequest(), deadline: Deadline.Soon).ResponseAsync.WithTimeout();
        Assert.False(listed.Truncated && string.IsNullOrEmpty(listed.NextMarker));
    }

    private async Task RawCallAsync(MethodDescriptor method, byte[] payload)
    {
        using var channel = GrpcChannel.ForAddress(Node.Endpoint);
        var raw = new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name,
            Marshallers.Create<byte[]>(b => b, b => b), Marshallers.Create<byte[]>(b => b, b => b));
        await channel.CreateCallInvoker().AsyncUnaryCall(raw, null, new CallOptions(deadline: Deadline.Soon), payload).ResponseAsync.WithTimeout();
    }

    private static IMessage SampleRequest(MethodDescriptor method)
    {
        var message = method.InputType.Parser.ParseFrom(ByteString.Empty);
        foreach (var field in method.InputType.Fields.InFieldNumberOrder())
        {
            if (field.IsRepeated || field.IsMap)
            {
                continue;
            }

            switch (field.FieldType)
            {
                case FieldType.String:
                    field.Accessor.SetValue(message, "alias/sample");
                    break;
                case FieldType.Bytes:
                    field.Accessor.SetValue(message, ByteString.CopyFromUtf8("sample bytes"));
                    break;
                case FieldType.Int32:
                    field.Accessor.SetValue(message, 7);
                    break;
                case FieldType.Enum:
                    field.Accessor.SetValue(message, 1);
                    break;
            }
        }

        return message;
    }

    private static void AssertNamed(MrkException error)
    {
        Assert.NotEqual(StatusCode.Internal, error.StatusCode);
        Assert.NotEqual(StatusCode.Unknown, error.StatusCode);
        Assert.EndsWith("Exception", error.ErrorCode, StringComparison.Ordinal);
        Assert.NotEqual("KMSInternalException", error.ErrorCode);
    }

    private async Task<string> SnapshotAsync()
    {
        var keys = await Node.Kms.ListKeysAsync(new ListKeysRequest { Limit = 1000 }, deadline: Deadline.Soon);
        var aliases = await Node.Kms.ListAliasesAsync(new ListAliasesRequest { Limit = 1000 }, deadline: Deadline.Soon);
        var described = new List<string>();
        foreach (var key in keys.Keys)
        {
            described.Add((await Node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon)).KeyMetadata.ToString());
        }

        return keys.ToString() + aliases + string.Join("\n", described);
    }
}
