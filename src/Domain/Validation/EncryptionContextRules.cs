using System.Text;

namespace Grpc.Mrk.RegionNode.Domain.Validation;

/// <summary>Limits on an encryption context: non-empty keys, well-formed text, bounded total size.</summary>
public static class EncryptionContextRules
{
    public const int MaxTotalBytes = 8192;

    public static void Validate(IReadOnlyDictionary<string, string> context, string field)
    {
        var total = 0;
        foreach (var (key, value) in context)
        {
            ParameterChecks.Length(key, field + ".key", 1, MaxTotalBytes);
            ParameterChecks.WellFormed(key, field + ".key");
            ParameterChecks.WellFormed(value, field + ".value");
            total += Encoding.UTF8.GetByteCount(key) + Encoding.UTF8.GetByteCount(value);
        }

        if (total > MaxTotalBytes)
        {
            throw Errors.KmsErrors.Constraint(field, $"Encryption context must be at most {MaxTotalBytes} bytes in total");
        }
    }
}
