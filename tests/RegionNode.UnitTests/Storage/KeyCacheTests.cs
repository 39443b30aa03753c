using Grpc.Mrk.RegionNode.Domain.Policies;
using System.Security.Cryptography;
using Grpc.Mrk.RegionNode.Crypto;
using Grpc.Mrk.RegionNode.Domain.Operations;
using Grpc.Mrk.RegionNode.Domain.Specs;
using Grpc.Mrk.RegionNode.Storage;

namespace Grpc.Mrk.RegionNode.UnitTests.Storage;

/// <summary>
/// The in-memory caches on the crypto path: stored key rows, unwrapped material and loaded private keys. What they
/// must never do: serve a key as it was before a write, hand out material that was zeroed, or keep plaintext of a key
/// that was written to or deleted.
/// </summary>
public sealed class KeyCacheTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static CreateKeyCommand Create(KeySpec spec = KeySpec.SYMMETRIC_DEFAULT, KeyUsage? usage = null) =>
        new(string.Empty, "before", usage, spec, null, [], false, false);

    [Fact]
    public async Task FoundKey_IsAFreshCopy_ChangingItChangesNothingStored()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), None);
        var first = await store.Store.FindKeyAsync(key.KeyId, None);
        first!.Tag([new("team", "a")], 50);
        first.CurrentMaterial.WrappedMaterial![0] ^= 0xFF;

        var second = await store.Store.FindKeyAsync(key.KeyId, None);
        Assert.Empty(second!.Tags);
        Assert.Equal(key.CurrentMaterial.WrappedMaterial, second.CurrentMaterial.WrappedMaterial);
    }

    [Fact]
    public async Task EveryWrite_IsSeenByTheNextRead()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(), None);
        await store.Store.FindKeyAsync(key.KeyId, None);

        await store.Lifecycle.UpdateKeyDescriptionAsync(Caller.System, key.KeyId, "after", None);
        Assert.Equal("after", (await store.Store.FindKeyAsync(key.KeyId, None))!.Description);

        await store.Rotation.RotateKeyOnDemandAsync(Caller.System, key.KeyId, None);
        Assert.Equal(2, (await store.Store.FindKeyAsync(key.KeyId, None))!.Materials.Count);

        await store.Store.DeleteKeyAsync(key.KeyId, None);
        Assert.Null(await store.Store.FindKeyAsync(key.KeyId, None));
    }

    [Fact]
    public void RowsReadBeforeAWrite_AreNotCachedAfterIt()
    {
        var cache = new KeyRowCache(16);
        var rows = new KeyRowCache.Rows([], []);
        var generation = cache.Generation;
        cache.BeginWrite("k");
        cache.EndWrite("k");
        cache.Put("k", rows, generation);
        Assert.False(cache.TryGet("k", out _));

        cache.Put("k", rows, cache.Generation);
        Assert.True(cache.TryGet("k", out _));
    }

    [Fact]
    public void WhileAKeyIsWritten_ItsRowsAreNeitherServedNorKept()
    {
        // The write commits before it ends: rows served or kept in between would be older than what the store shows.
        var cache = new KeyRowCache(16);
        var rows = new KeyRowCache.Rows([], []);
        cache.Put("k", rows, cache.Generation);
        cache.Put("other", rows, cache.Generation);

        cache.BeginWrite("k");
        cache.BeginWrite("k");
        Assert.False(cache.TryGet("k", out _));
        cache.Put("k", rows, cache.Generation);
        Assert.False(cache.TryGet("k", out _));
        cache.EndWrite("k");
        cache.Put("k", rows, cache.Generation);
        Assert.False(cache.TryGet("k", out _));

        cache.Put("other", rows, cache.Generation);
        Assert.True(cache.TryGet("other", out _));

        cache.EndWrite("k");
        cache.Put("k", rows, cache.Generation);
        Assert.True(cache.TryGet("k", out _));
    }

    [Fact]
    public void RowCache_StaysWithinItsCapacity()
    {
        var cache = new KeyRowCache(8);
        for (var i = 0; i < 100; i++)
        {
            cache.Put($"k{i}", new KeyRowCache.Rows([], []), cache.Generation);
            Assert.InRange(cache.Count, 1, 8);
        }
    }

    [Fact]
    public void Material_ZeroedWhenForgotten_OnlyAfterTheCallUsingItEnds()
    {
        var cache = new UnwrappedMaterialCache(16);
        var material = RandomNumberGenerator.GetBytes(32);
        var expected = material.ToArray();
        var unwraps = 0;
        byte[] Unwrap()
        {
            unwraps++;
            return material;
        }

        cache.Use("k", "m", Unwrap, m =>
        {
            // Forgetting the key while a call holds its material must not pull the bytes from under that call.
            cache.Forget("k");
            Assert.Equal(expected, m.ToArray());
            return 0;
        });
        Assert.Equal(new byte[32], material);
        Assert.Equal(0, cache.Count);

        var again = RandomNumberGenerator.GetBytes(32);
        cache.Use("k", "m", () => again, m => m.Length);
        cache.Use("k", "m", Unwrap, m => m.Length);
        Assert.Equal(1, unwraps);
        cache.Dispose();
        Assert.Equal(new byte[32], again);
    }

    [Fact]
    public void Material_UnwrappedWhileItsKeyWasWritten_IsNotKept()
    {
        var cache = new UnwrappedMaterialCache(16);
        var material = RandomNumberGenerator.GetBytes(32);
        cache.Use("k", "m", () =>
        {
            cache.Forget("k");
            return material;
        }, m => m.Length);
        Assert.Equal(0, cache.Count);
        Assert.Equal(new byte[32], material);
    }

    [Fact]
    public void Material_BoundedAndZeroedOnEviction()
    {
        var cache = new UnwrappedMaterialCache(4);
        var all = new List<byte[]>();
        for (var i = 0; i < 10; i++)
        {
            var material = RandomNumberGenerator.GetBytes(32);
            all.Add(material);
            cache.Use("k", $"m{i}", () => material, m => m.Length);
            Assert.InRange(cache.Count, 1, 4);
        }

        var zeroed = all.Count(m => m.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(all.Count - cache.Count, zeroed);
    }

    [Fact]
    public async Task ConcurrentUseAndForget_NeverSeesZeroedMaterial()
    {
        var released = 0;
        var cache = new UnwrappedMaterialCache(2, _ => Interlocked.Increment(ref released));
        var expected = RandomNumberGenerator.GetBytes(32);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var bad = 0;
        var users = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 20_000 && !stop.IsCancellationRequested; i++)
            {
                cache.Use("k", "m", () => expected.ToArray(), m =>
                {
                    if (!m.SequenceEqual(expected))
                    {
                        Interlocked.Increment(ref bad);
                    }

                    return 0;
                });
            }
        }));
        var usersDone = Task.WhenAll(users);
        var forgetter = Task.Run(() =>
        {
            // Forgets for as long as the users run (bounded in count and time), so the two always overlap.
            for (var i = 0; i < 10_000_000 && !usersDone.IsCompleted && !stop.IsCancellationRequested; i++)
            {
                cache.Forget("k");
            }
        });
        await Task.WhenAll(usersDone, forgetter).WaitAsync(TimeSpan.FromSeconds(30));
        cache.Dispose();
        Assert.Equal(0, bad);
        Assert.True(released > 0);
    }

    [Fact]
    public async Task KeyWrite_ForgetsItsUnwrappedMaterial_AndLoadedPrivateKeys()
    {
        using var store = new TempStore();
        var key = await store.Lifecycle.CreateKeyAsync(Caller.System, Create(KeySpec.ECC_NIST_P256, KeyUsage.SIGN_VERIFY), None);
        await store.Signing.SignAsync(Caller.System, key.KeyId, "m"u8.ToArray(), MessageType.RAW, SigningAlgorithm.ECDSA_SHA_256, [], None);
        Assert.Equal(1, store.MaterialCache.Count);
        Assert.Equal(1, store.Asymmetric.LoadedCount);

        await store.Lifecycle.UpdateKeyDescriptionAsync(Caller.System, key.KeyId, "after", None);
        Assert.Equal(0, store.MaterialCache.Count);
        Assert.Equal(0, store.Asymmetric.LoadedCount);
    }

    [Fact]
    public void LoadedKeyPool_ForgetDisposesWhatWasLoaded()
    {
        var engine = new AsymmetricEngine();
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pkcs8 = ec.ExportPkcs8PrivateKey();
        var signature = engine.Sign(KeySpec.ECC_NIST_P256, pkcs8, SigningAlgorithm.ECDSA_SHA_256, "m"u8, MessageType.RAW);
        Assert.True(engine.Verify(KeySpec.ECC_NIST_P256, pkcs8, SigningAlgorithm.ECDSA_SHA_256, "m"u8, MessageType.RAW, signature));
        Assert.Equal(1, engine.LoadedCount);
        engine.Forget(pkcs8);
        Assert.Equal(0, engine.LoadedCount);
    }
}
