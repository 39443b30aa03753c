using Grpc.Mrk.RegionNode.Crypto;

namespace Grpc.Mrk.RegionNode.Hosting;

/// <summary>Holds the domain-key protector once start-up has found and checked the domain key.</summary>
public sealed class DomainKeyHolder : IDisposable
{
    private DomainKeyProtector? _protector;

    public DomainKeyProtector Protector =>
        _protector ?? throw new InvalidOperationException("The domain key has not been loaded; call PrepareRegionNodeAsync first.");

    public void Set(DomainKeyProtector protector) => _protector = protector;

    public void Dispose() => _protector?.Dispose();
}
