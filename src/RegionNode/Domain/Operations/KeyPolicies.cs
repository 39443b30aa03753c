using System.Text.Json;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>The default key policy text and the checks a stored policy document must pass.</summary>
public static class KeyPolicies
{
    public const string DefaultPolicyName = "default";
    public const int MaxPolicyBytes = 32 * 1024;

    /// <summary>AWS's default key policy: the account's root principal may do everything with the key.</summary>
    public static string DefaultPolicy(RegionIdentity region) => $$"""
        {
          "Version" : "2012-10-17",
          "Id" : "key-default-1",
          "Statement" : [ {
            "Sid" : "Enable IAM User Permissions",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "{{region.RootPrincipal}}"
            },
            "Action" : "kms:*",
            "Resource" : "*"
          } ]
        }
        """;

    public static void RequirePolicyName(string policyName)
    {
        if (!string.IsNullOrEmpty(policyName) && policyName != DefaultPolicyName)
        {
            Require.Length(policyName, "policyName", 1, 128);
            throw KmsErrors.Constraint("policyName", "Member must be 'default', the only key policy name");
        }
    }

    /// <summary>Refuses a document that is not a JSON policy (MalformedPolicyDocumentException) or too large.</summary>
    public static void Validate(string policy)
    {
        Require.Present(policy, "policy");
        Require.WellFormed(policy, "policy");
        if (System.Text.Encoding.UTF8.GetByteCount(policy) > MaxPolicyBytes)
        {
            throw KmsErrors.LimitExceeded($"The key policy exceeds the maximum size of {MaxPolicyBytes} bytes.");
        }

        try
        {
            using var document = JsonDocument.Parse(policy, new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw KmsErrors.MalformedPolicy("The key policy must be a JSON object.");
            }

            if (!root.TryGetProperty("Statement", out var statements)
                || statements.ValueKind is not (JsonValueKind.Array or JsonValueKind.Object))
            {
                throw KmsErrors.MalformedPolicy("The key policy must contain a Statement.");
            }

            foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements])
            {
                ValidateStatement(statement);
            }
        }
        catch (JsonException)
        {
            throw KmsErrors.MalformedPolicy("The key policy is not valid JSON.");
        }
    }

    private static void ValidateStatement(JsonElement statement)
    {
        if (statement.ValueKind != JsonValueKind.Object)
        {
            throw KmsErrors.MalformedPolicy("Each policy statement must be a JSON object.");
        }

        if (!statement.TryGetProperty("Effect", out var effect)
            || effect.ValueKind != JsonValueKind.String
            || effect.GetString() is not ("Allow" or "Deny"))
        {
            throw KmsErrors.MalformedPolicy("Each policy statement needs an Effect of Allow or Deny.");
        }

        if (!statement.TryGetProperty("Action", out _) && !statement.TryGetProperty("NotAction", out _))
        {
            throw KmsErrors.MalformedPolicy("Each policy statement needs an Action.");
        }

        if (!statement.TryGetProperty("Principal", out _) && !statement.TryGetProperty("NotPrincipal", out _))
        {
            throw KmsErrors.MalformedPolicy("Each key policy statement needs a Principal.");
        }
    }
}
