using Grpc.Mrk.TestSupport;

namespace Grpc.Mrk.RegionNode.UnitTests.Architecture;

/// <summary>
/// One write path: every write of a key or an alias goes through a <c>KeyChange</c> or an <c>AliasChange</c>, which
/// only <c>KeyChanges</c> opens (under the lock it takes). Read from the compiled code of the domain and of the node.
/// </summary>
public sealed class WritePathTests
{
    private static readonly string Domain = Path.Combine(AppContext.BaseDirectory, "Grpc.Mrk.Domain.dll");

    [Theory]
    [InlineData("InsertKeyAsync", "KeyChange")]
    [InlineData("UpdateKeyAsync", "KeyChange")]
    [InlineData("DeleteKeyAsync", "KeyChange")]
    [InlineData("InsertAliasAsync", "AliasChange")]
    [InlineData("UpdateAliasAsync", "AliasChange")]
    [InlineData("DeleteAliasAsync", "AliasChange")]
    public void KeysAndAliases_AreWrittenOnlyThroughAChange(string write, string through)
    {
        // The store interface's own overloads forward to its full forms; nothing else may call them.
        Assert.Equal([through], CompiledDependencies.CallersOf(Domain, "IKeyStore", write).Where(t => t != "IKeyStore").Order());
        Assert.Empty(CompiledDependencies.CallersOf(RepoPaths.RegionNodeDll, "IKeyStore", write));
    }

    [Fact]
    public void OnlyKeyChanges_TakesAKeyLock()
    {
        Assert.Equal(["KeyChanges"], CompiledDependencies.CallersOf(Domain, "KeyLocks", "AcquireAsync"));
        Assert.Empty(CompiledDependencies.CallersOf(RepoPaths.RegionNodeDll, "KeyLocks", "AcquireAsync"));
    }

    [Fact]
    public void TheReader_FindsCallsInsideAsyncMethods()
    {
        // Every write site is an async method, compiled into a state machine nested in its type.
        Assert.Contains("KeyChanges", CompiledDependencies.CallersOf(Domain, "KeyChange", "SaveAsync"));
        Assert.Contains("ReplicationReceiver", CompiledDependencies.CallersOf(Domain, "KeyChange", "SaveAsync"));
        Assert.Contains("AliasOperations", CompiledDependencies.CallersOf(Domain, "AliasChange", "InsertAsync"));
    }
}
