using System.Text.RegularExpressions;
using Grpc.Mrk.RegionNode.Domain.Errors;

namespace Grpc.Mrk.RegionNode.Domain.Validation;

/// <summary>Request field checks with AWS's ValidationException wording.</summary>
public static partial class ParameterChecks
{
    /// <summary>A Region name as AWS writes them (us-east-1, ap-southeast-2, us-gov-west-1).</summary>
    public static bool IsRegionName(string value) => RegionPattern().IsMatch(value);

    public static void RegionName(string value, string field)
    {
        Present(value, field);
        Length(value, field, 1, 32);
        if (!IsRegionName(value))
        {
            throw KmsErrors.Constraint(field, value, "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$");
        }
    }

    [GeneratedRegex(@"^([a-z]+-){2,3}\d+$")]
    private static partial Regex RegionPattern();

    public static void Present(string value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw KmsErrors.Constraint(field, "Member must not be null");
        }
    }

    /// <param name="secret">A value the refusal must not repeat (a grant token is a credential).</param>
    public static void Length(string value, string field, int min, int max, bool secret = false)
    {
        if (value.Length < min || value.Length > max)
        {
            var constraint = value.Length < min ? $"Member must have length greater than or equal to {min}" : $"Member must have length less than or equal to {max}";
            throw secret ? KmsErrors.Constraint(field, constraint) : KmsErrors.Constraint(field, value, constraint);
        }
    }

    public static void Length(ReadOnlySpan<byte> value, string field, int min, int max)
    {
        if (value.Length < min)
        {
            throw KmsErrors.Constraint(field, $"Member must have length greater than or equal to {min}");
        }

        if (value.Length > max)
        {
            throw KmsErrors.Constraint(field, $"Member must have length less than or equal to {max}");
        }
    }

    public static void Range(int value, string field, int min, int max)
    {
        if (value < min)
        {
            throw KmsErrors.Constraint(field, value, $"Member must have value greater than or equal to {min}");
        }

        if (value > max)
        {
            throw KmsErrors.Constraint(field, value, $"Member must have value less than or equal to {max}");
        }
    }

    /// <summary>Refuses strings that are not well-formed Unicode (protobuf strings arrive as UTF-16 here).</summary>
    public static void WellFormed(string value, string field)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c) || c == '\0')
            {
                throw KmsErrors.Constraint(field, "Member must contain only valid characters");
            }
        }
    }

    public static void GrantTokens(IReadOnlyCollection<string> grantTokens)
    {
        if (grantTokens.Count > 10)
        {
            throw KmsErrors.Constraint("grantTokens", "Member must have length less than or equal to 10");
        }

        foreach (var token in grantTokens)
        {
            Length(token, "grantTokens", 1, 8192, secret: true);
            if (Model.GrantToken.IdOf(token) is null)
            {
                throw KmsErrors.InvalidGrantToken();
            }
        }
    }
}
