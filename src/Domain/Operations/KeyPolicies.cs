using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Domain.Model;
using Grpc.Mrk.RegionNode.Domain.Policies;
using Grpc.Mrk.RegionNode.Domain.Validation;

namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>The default key policy text and the checks a stored policy document must pass.</summary>
public static class KeyPolicies
{
    public const string DefaultPolicyName = "default";

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
            ParameterChecks.Length(policyName, "policyName", 1, 128);
            throw KmsErrors.Constraint("policyName", "Member must be 'default', the only key policy name");
        }
    }

    /// <summary>
    /// Refuses a document that is not a valid key policy (MalformedPolicyDocumentException) or larger than
    /// <paramref name="maxBytes"/> (LimitExceededException: the key policy size quota).
    /// </summary>
    public static PolicyDocument Validate(string policy, int maxBytes)
    {
        ParameterChecks.Present(policy, "policy");
        ParameterChecks.WellFormed(policy, "policy");
        if (System.Text.Encoding.UTF8.GetByteCount(policy) > maxBytes)
        {
            throw KmsErrors.LimitExceeded($"The key policy exceeds the maximum size of {maxBytes} bytes.");
        }

        return PolicyDocument.Parse(policy);
    }
}
