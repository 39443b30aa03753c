using System.Text.Json;
using Google.Protobuf;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.TestSupport;
using Grpc.Mrk.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Grpc.Mrk.RegionNode.UnitTests.Api.InProcess;

/// <summary>
/// GetKeyLastUsage: a key's last successful cryptographic use in this Region, the very call its audit record holds
/// (same eventID and requestID); refusals and dry runs are no use, ReEncrypt is a use of both its keys.
/// </summary>
public sealed class KeyLastUsageTests(InProcessNodeFixture fixture) : IClassFixture<InProcessNodeFixture>
{
    private InProcessRegionNode Node => fixture.Node;

    [Fact]
    public async Task AnUnusedKey_HasNoLastUsage_AndIsTrackedSinceItsCreation()
    {
        var key = await Node.CreateAsync();
        var report = await Node.Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = key.Arn }, deadline: Deadline.Soon);
        Assert.Equal(key.KeyId, report.KeyId);
        Assert.Null(report.KeyLastUsage);
        Assert.Equal(key.CreationDate, report.KeyCreationDate);
        Assert.Equal(key.CreationDate, report.TrackingStartDate);
    }

    [Fact]
    public async Task AnEncrypt_IsTheLastUsage_AsItsAuditRecordHasIt_AndRefusalsAndDryRunsAreNot()
    {
        var key = await Node.CreateAsync();
        var call = Node.Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = ByteString.CopyFromUtf8("used") }, deadline: Deadline.Soon);
        await call.ResponseAsync.WithTimeout();
        var requestId = (await call.ResponseHeadersAsync).GetValue("x-amzn-requestid");
        Assert.False(string.IsNullOrEmpty(requestId));

        var usage = await UsageAsync(key.KeyId, u => u is not null);
        Assert.Equal(KeyLastUsageTrackingOperation.Encrypt, usage!.Operation);
        Assert.Equal(requestId, usage.KmsRequestId);
        using (var record = await RecordAsync("Encrypt", requestId!))
        {
            Assert.Equal(usage.CloudTrailEventId, record.RootElement.GetProperty("eventID").GetString());
            Assert.Equal(usage.Timestamp.ToDateTimeOffset(), record.RootElement.GetProperty("eventTime").GetDateTimeOffset());
        }

        // A refused call and a dry run use nothing: the last usage stays the Encrypt.
        await Errors.ExpectAsync("InvalidCiphertextException", Node.Kms.DecryptAsync(new DecryptRequest
        {
            KeyId = key.KeyId, CiphertextBlob = ByteString.CopyFrom(new byte[64]),
        }, deadline: Deadline.Soon));
        await Errors.ExpectAsync("DryRunOperationException", Node.Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest
        {
            KeyId = key.KeyId, KeySpec = DataKeySpec.Aes256, DryRun = true,
        }, deadline: Deadline.Soon));
        await Node.Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, deadline: Deadline.Soon);
        await RecordAsync("DescribeKey", null);
        Assert.Equal(usage.CloudTrailEventId, (await UsageAsync(key.KeyId, _ => true))!.CloudTrailEventId);
    }

    [Fact]
    public async Task AReEncrypt_IsTheLastUsageOfBothItsKeys()
    {
        var source = await Node.CreateAsync();
        var destination = await Node.CreateAsync();
        var ciphertext = (await Node.Kms.EncryptAsync(new EncryptRequest { KeyId = source.KeyId, Plaintext = ByteString.CopyFromUtf8("moved") },
            deadline: Deadline.Soon)).CiphertextBlob;
        await Node.Kms.ReEncryptAsync(new ReEncryptRequest { CiphertextBlob = ciphertext, DestinationKeyId = destination.KeyId }, deadline: Deadline.Soon);

        var moved = await UsageAsync(destination.KeyId, u => u is not null);
        var left = await UsageAsync(source.KeyId, u => u?.Operation == KeyLastUsageTrackingOperation.ReEncrypt);
        Assert.Equal(KeyLastUsageTrackingOperation.ReEncrypt, moved!.Operation);
        Assert.Equal(moved.CloudTrailEventId, left!.CloudTrailEventId);
    }

    [Theory]
    [InlineData("alias/anything", "ValidationException")]
    [InlineData("1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException")]
    [InlineData("", "ValidationException")]
    [InlineData("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "NotFoundException")]
    public async Task WhatNamesNoKeyOfThisRegion_IsRefusedAsAwsRefusesIt(string keyId, string error) =>
        await Errors.ExpectAsync(error, Node.Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = keyId }, deadline: Deadline.Soon));

    /// <summary>The key's last usage once <paramref name="until"/> holds (records, and so usages, are group-committed after the answer).</summary>
    private async Task<KeyLastUsage?> UsageAsync(string keyId, Func<KeyLastUsage?, bool> until)
    {
        KeyLastUsage? usage = null;
        await Eventually.TrueAsync(async () =>
        {
            usage = (await Node.Kms.GetKeyLastUsageAsync(new GetKeyLastUsageRequest { KeyId = keyId }, deadline: Deadline.Soon)).KeyLastUsage;
            return until(usage);
        }, TimeSpan.FromSeconds(10), $"the last usage of {keyId}");
        return usage;
    }

    /// <summary>The audit record of <paramref name="eventName"/> with that request ID (any, when null), once written.</summary>
    private async Task<JsonDocument> RecordAsync(string eventName, string? requestId)
    {
        JsonDocument? found = null;
        await Eventually.TrueAsync(async () =>
        {
            var rows = await Node.Services.GetRequiredService<AuditStore>().ReadAsync(0, 100_000, eventName, CancellationToken.None);
            found = rows.Select(r => JsonDocument.Parse(r.Json))
                .LastOrDefault(d => requestId is null || (d.RootElement.TryGetProperty("requestID", out var id) && id.GetString() == requestId));
            return found is not null;
        }, TimeSpan.FromSeconds(10), $"the {eventName} record");
        return found!;
    }
}
