namespace Grpc.Mrk.RegionNode.Crypto;

/// <summary>Holds the domain-key protector once start-up has found and checked the domain key, and the data directory lock.</summary>
public sealed class DomainKeyHolder : IDisposable
{
    private DomainKeyProtector? _protector;
    private IDisposable? _lock;

    public DomainKeyProtector Protector =>
        _protector ?? throw new InvalidOperationException("The domain key has not been loaded; call PrepareRegionNodeAsync first.");

    public void Set(DomainKeyProtector protector) => _protector = protector;

    /// <summary>Keeps the data directory's lock (held by the host) for as long as the node runs, and releases it with the key.</summary>
    public void Hold(IDisposable directoryLock) => _lock = directoryLock;

    public void Dispose()
    {
        _protector?.Dispose();
        _lock?.Dispose();
    }
}
