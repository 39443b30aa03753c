using System.Text;

namespace Grpc.Mrk.Cli;

/// <summary>How proto names appear on the command line and in output, following the AWS CLI.</summary>
internal static class Names
{
    /// <summary>GenerateDataKey -> generate-data-key; key_id -> key-id.</summary>
    public static string Kebab(string name)
    {
        if (name.Contains('_', StringComparison.Ordinal))
        {
            return name.Replace('_', '-');
        }

        var builder = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('-');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    /// <summary>key_id -> KeyId, as AWS names response fields.</summary>
    public static string Pascal(string snake) =>
        string.Concat(snake.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]))
            .Replace("AwsAccountId", "AWSAccountId", StringComparison.Ordinal);

    /// <summary>KEY_SPEC_RSA_2048 in enum KeySpec -> RSA_2048 (AWS's constant).</summary>
    public static string AwsEnumValue(Google.Protobuf.Reflection.EnumValueDescriptor value)
    {
        var prefix = EnumPrefix(value.EnumDescriptor);
        var name = value.Name.StartsWith(prefix, StringComparison.Ordinal) ? value.Name[prefix.Length..] : value.Name;

        // AWS spells key states, grant operations and tracked operations in PascalCase (PendingDeletion,
        // ReEncryptFrom, GenerateDataKey), every other constant in upper snake case.
        return value.EnumDescriptor.Name is "KeyState" or "GrantOperation" or "KeyLastUsageTrackingOperation"
            ? string.Concat(name.Split('_').Select(p => p[0] + p[1..].ToLowerInvariant()))
            : name;
    }

    public static string EnumPrefix(Google.Protobuf.Reflection.EnumDescriptor descriptor)
    {
        var builder = new StringBuilder();
        foreach (var c in descriptor.Name)
        {
            if (char.IsUpper(c) && builder.Length > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        return builder.Append('_').ToString();
    }
}
