using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Specs;

namespace Grpc.Mrk.RegionNode.UnitTests.Domain;

/// <summary>
/// AWS's key-state table (reference/key-states.md), transcribed independently of the product's own table: every
/// operation in every state answers as the table says, with AWS's exception name and message.
/// </summary>
public sealed class KeyStateTableTests
{
    private const string Arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    // Columns: Enabled, Disabled, PendingDeletion, PendingImport, Unavailable, Creating, Updating (PendingReplicaDeletion
    // shares the PendingDeletion column). Codes: OK, or the footnote number. "-" marks the table's N/A: the product
    // answers the nearest footnote (the key-state rule of the same row group), written explicitly here.
    private static readonly (KeyOperation[] Operations, string[] Cells)[] Rows =
    [
        ([KeyOperation.CancelKeyDeletion], ["4", "4", "OK", "4", "4", "4", "4"]),
        ([KeyOperation.CreateAlias], ["OK", "OK", "3", "OK", "OK", "OK", "OK"]),
        ([KeyOperation.Encrypt, KeyOperation.Decrypt, KeyOperation.ReEncrypt, KeyOperation.GenerateDataKey,
          KeyOperation.GenerateDataKeyWithoutPlaintext, KeyOperation.GenerateDataKeyPair, KeyOperation.GenerateDataKeyPairWithoutPlaintext],
         ["OK", "1", "3", "5", "11", "14", "OK"]),
        ([KeyOperation.Sign, KeyOperation.Verify, KeyOperation.GenerateMac, KeyOperation.VerifyMac, KeyOperation.GetPublicKey,
          KeyOperation.DeriveSharedSecret],
         ["OK", "1", "3", "5", "11", "14", "OK"]),
        ([KeyOperation.DeleteAlias], ["OK", "OK", "OK", "OK", "OK", "OK", "OK"]),
        ([KeyOperation.DescribeKey, KeyOperation.GetKeyPolicy, KeyOperation.PutKeyPolicy, KeyOperation.ListKeyPolicies,
          KeyOperation.ListResourceTags, KeyOperation.ListAliases],
         ["OK", "OK", "OK", "OK", "OK", "OK", "OK"]),
        ([KeyOperation.EnableKey, KeyOperation.DisableKey], ["OK", "OK", "3", "5", "OK", "14", "15"]),
        ([KeyOperation.EnableKeyRotation, KeyOperation.DisableKeyRotation], ["OK", "1", "3", "6", "11", "14", "OK"]),
        // Keys with imported material rotate on demand (since AWS added it): a key pending import is refused as [5],
        // and lists its versions (those pending import included) in every state.
        ([KeyOperation.RotateKeyOnDemand], ["OK", "1", "3", "5", "11", "14", "OK"]),
        ([KeyOperation.GetKeyRotationStatus], ["OK", "OK", "OK", "6", "11", "OK", "OK"]),
        ([KeyOperation.ListKeyRotations], ["OK", "OK", "OK", "OK", "11", "OK", "OK"]),
        // The import rows once the key's origin is EXTERNAL (footnote 9, checked before the state, is the origin check).
        ([KeyOperation.GetParametersForImport], ["OK", "OK", "3", "OK", "11", "14", "15"]),
        ([KeyOperation.ImportKeyMaterial], ["OK", "OK", "3", "OK", "11", "14", "OK"]),
        ([KeyOperation.DeleteImportedKeyMaterial], ["OK", "OK", "OK", "OK", "11", "14", "15"]),
        ([KeyOperation.ScheduleKeyDeletion], ["OK", "OK", "3", "OK", "OK", "OK", "15"]),
        ([KeyOperation.TagResource, KeyOperation.UntagResource, KeyOperation.UpdateKeyDescription], ["OK", "OK", "3", "OK", "OK", "OK", "OK"]),
        ([KeyOperation.UpdateAlias], ["OK", "OK", "10", "OK", "OK", "OK", "OK"]),
        ([KeyOperation.ReplicateKey], ["OK", "1", "3", "5", "11", "14", "15"]),
        ([KeyOperation.UpdatePrimaryRegion], ["OK", "1", "3", "5", "11", "14", "OK"]),
        ([KeyOperation.CreateGrant], ["OK", "1", "3", "5", "OK", "14", "OK"]),
        ([KeyOperation.ListGrants, KeyOperation.RetireGrant, KeyOperation.RevokeGrant], ["OK", "OK", "OK", "OK", "OK", "OK", "OK"]),
    ];

    private static readonly KeyState[] Columns =
    [
        KeyState.Enabled, KeyState.Disabled, KeyState.PendingDeletion, KeyState.PendingImport, KeyState.Unavailable,
        KeyState.Creating, KeyState.Updating,
    ];

    public static TheoryData<KeyOperation, KeyState, string> Cases()
    {
        var data = new TheoryData<KeyOperation, KeyState, string>();
        foreach (var (operations, cells) in Rows)
        {
            foreach (var operation in operations)
            {
                for (var i = 0; i < Columns.Length; i++)
                {
                    data.Add(operation, Columns[i], cells[i]);
                    if (Columns[i] == KeyState.PendingDeletion)
                    {
                        data.Add(operation, KeyState.PendingReplicaDeletion, cells[i]);
                    }
                }
            }
        }

        return data;
    }

    [Fact]
    public void Table_CoversEveryOperationAndState()
    {
        var covered = Rows.SelectMany(r => r.Operations).ToHashSet();
        Assert.Equal(Enum.GetValues<KeyOperation>().ToHashSet(), covered);
        Assert.Equal(Enum.GetValues<KeyState>().Length, Columns.Length + 1);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Check_OperationInState_AnswersAsAwsTable(KeyOperation operation, KeyState state, string expected)
    {
        var refusal = Record.Exception(() => KeyStateRules.Check(operation, state, Arn));
        if (expected == "OK")
        {
            Assert.Null(refusal);
            return;
        }

        var error = Assert.IsType<KmsException>(refusal);
        var (code, message) = Footnote(expected);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(message, error.Message);
    }

    private static (string Code, string Message) Footnote(string number) => number switch
    {
        "1" => ("DisabledException", $"{Arn} is disabled."),
        "3" or "10" => ("KMSInvalidStateException", $"{Arn} is pending deletion."),
        "4" => ("KMSInvalidStateException", $"{Arn} is not pending deletion."),
        "5" => ("KMSInvalidStateException", $"{Arn} is pending import."),
        "6" => ("UnsupportedOperationException", $"{Arn} origin is EXTERNAL which is not valid for this operation."),
        "11" => ("KMSInvalidStateException", $"{Arn} is unavailable."),
        "14" => ("KMSInvalidStateException", $"{Arn} is creating."),
        "15" => ("KMSInvalidStateException", $"{Arn} is updating."),
        _ => throw new ArgumentOutOfRangeException(nameof(number), number, null),
    };
}
