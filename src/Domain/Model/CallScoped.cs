namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>A value that flows with the current async call (AsyncLocal) and is restored when its scope ends.</summary>
public sealed class CallScoped<T>
    where T : class
{
    private readonly AsyncLocal<T?> _value = new();

    public T? Current => _value.Value;

    public IDisposable Enter(T value)
    {
        var previous = _value.Value;
        _value.Value = value;
        return new Restore(this, previous);
    }

    private sealed class Restore(CallScoped<T> owner, T? previous) : IDisposable
    {
        public void Dispose() => owner._value.Value = previous;
    }
}
