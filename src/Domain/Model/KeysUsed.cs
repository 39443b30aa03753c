namespace Grpc.Mrk.RegionNode.Domain.Model;

/// <summary>
/// The keys the current call asked a decision about, in the order it first did, so that its audit record names every
/// key it used from what it used (the key a ciphertext names, both keys of ReEncrypt), not from what the request said.
/// </summary>
public sealed class KeysUsed
{
    private const int MaxKept = 8;
    private static readonly CallScoped<KeysUsed> Scope = new();
    private readonly List<string> _arns = [];

    public IReadOnlyList<string> Arns
    {
        get
        {
            lock (_arns)
            {
                return [.. _arns];
            }
        }
    }

    /// <summary>Starts collecting for the call running on this async flow.</summary>
    public static IDisposable Begin(out KeysUsed used)
    {
        used = new KeysUsed();
        return Scope.Enter(used);
    }

    public static void Note(string keyArn)
    {
        if (Scope.Current is not { } current)
        {
            return;
        }

        lock (current._arns)
        {
            if (current._arns.Count < MaxKept && !current._arns.Contains(keyArn, StringComparer.Ordinal))
            {
                current._arns.Add(keyArn);
            }
        }
    }
}
