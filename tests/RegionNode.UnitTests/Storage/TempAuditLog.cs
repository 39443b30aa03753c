using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Audit;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>The audit log over a temporary store's database, built as the node builds it (its writer not started).</summary>
internal sealed class TempAuditLog : IDisposable
{
    private readonly DomainKeyHolder _domainKey = new();
    private readonly AuditSigningKey _signing;

    public TempAuditLog(TempStore temp)
    {
        _domainKey.Set(new DomainKeyProtector(RandomNumberGenerator.GetBytes(32), temp.Region.Region));
        Records = new AuditStore(temp.Database);
        _signing = new AuditSigningKey(new NodeMeta(temp.Database), _domainKey);
        Log = new AuditLog(Records, _signing, temp.Region, temp.Clock, NullLogger<AuditLog>.Instance);
    }

    public AuditStore Records { get; }

    public AuditLog Log { get; }

    public void Dispose()
    {
        _signing.Dispose();
        _domainKey.Dispose();
    }
}
