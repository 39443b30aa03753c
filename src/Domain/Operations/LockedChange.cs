namespace Grpc.Mrk.RegionNode.Domain.Operations;

/// <summary>What every change opened by <see cref="KeyChanges"/> shares: it holds its lock until disposed and writes once.</summary>
public abstract class LockedChange(IDisposable held, string what) : IDisposable
{
    private bool _written;

    public void Dispose()
    {
        held.Dispose();
        GC.SuppressFinalize(this);
    }

    // One change is one transaction: a second write would commit half of a change on its own.
    protected void Commits()
    {
        if (_written)
        {
            throw new InvalidOperationException($"The change to {what} was already written; a change commits once.");
        }

        _written = true;
    }
}
