namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>Where this node stands: its Region, partition and account, from which every ARN is built.</summary>
public sealed record RegionIdentity(string Region, string Partition, string AccountId)
{
    public string KeyArn(string keyId) => KeyArnIn(Region, keyId);

    public string KeyArnIn(string region, string keyId) => $"arn:{Partition}:kms:{region}:{AccountId}:key/{keyId}";

    /// <summary>The alias ARN; <paramref name="aliasName"/> includes the "alias/" prefix.</summary>
    public string AliasArn(string aliasName) => $"arn:{Partition}:kms:{Region}:{AccountId}:{aliasName}";

    public string RootPrincipal => $"arn:{Partition}:iam::{AccountId}:root";

    /// <summary>How an operator (a cluster certificate with OU=operator) is named in audit records; never a key policy's principal.</summary>
    public string OperatorPrincipal(string name) => $"arn:{Partition}:iam::{AccountId}:operator/{name}";
}
