using System.Diagnostics;
using Grpc.Core;
using Grpc.Mrk.Cluster.Tests.Infrastructure;
using Grpc.Mrk.V1;
using Xunit.Abstractions;
using static Grpc.Mrk.Cluster.Tests.Infrastructure.ThreeRegionCluster;

namespace Grpc.Mrk.Cluster.Tests;

/// <summary>
/// Three Regions and the ControlPlane exporting to an OTLP receiver of the test's own (as docs/operations.md "Traces"
/// configures them): a call a traced client makes is one trace from the Region it called, through the ControlPlane,
/// into every Region its change reaches and back, each span the child of the step before it.
/// </summary>
public sealed class TracingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ReplicateKey_AndARotation_AreEachOneTrace_AcrossTheProcessesTheyReach()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var cluster = await StartAsync(output, environment: receiver.Environment);
        var east = cluster.Kms(East);
        var key = (await east.CreateKeyAsync(new CreateKeyRequest { MultiRegion = true }, deadline: Deadline.Soon).ResponseAsync.WithTimeout())
            .KeyMetadata.KeyId;

        var (replicate, replicateCaller) = TraceParent();
        await east.ReplicateKeyAsync(new ReplicateKeyRequest { KeyId = key, ReplicaRegion = West }, replicate, Deadline.Soon).ResponseAsync.WithTimeout();
        await cluster.UntilAsync(West, key, m => m.KeyState == KeyState.Enabled);
        var replication = await TraceAsync(receiver, replicateCaller,
        [
            ("grpc-mrk-regionnode", East, "Server", "ReplicateKey"),
            ("grpc-mrk-regionnode", East, "Producer", "send CreateReplica"),
            ("grpc-mrk-controlplane", null, "Consumer", "store CreateReplica"),
            ("grpc-mrk-controlplane", null, "Producer", "deliver CreateReplica"),
            ("grpc-mrk-regionnode", West, "Consumer", "process CreateReplica"),
            ("grpc-mrk-regionnode", West, "Producer", "send SyncAck"),
            ("grpc-mrk-controlplane", null, "Consumer", "store SyncAck"),
            ("grpc-mrk-regionnode", East, "Consumer", "process SyncAck"),
        ]);
        Assert.Equal(key, Single(replication, "process CreateReplica").Attributes["mrk.key_id"]);
        Assert.Equal(West, Single(replication, "send CreateReplica").Attributes["messaging.destination.name"]);
        var call = Single(replication, "mrk.v1.KeyManagementService/ReplicateKey");
        Assert.Equal(("OK", "grpc"), (call.Attributes["rpc.response.status_code"], call.Attributes["mrk.front"]));

        // A rotation on a key with two replicas: one trace through all four processes.
        await cluster.ReplicateAsync(East, key, Sydney);
        var (rotate, rotateCaller) = TraceParent();
        await east.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key }, rotate, Deadline.Soon).ResponseAsync.WithTimeout();
        var rotation = await TraceAsync(receiver, rotateCaller,
        [
            ("grpc-mrk-regionnode", East, "Server", "RotateKeyOnDemand"),
            ("grpc-mrk-controlplane", null, "Consumer", "store SharedState"),
            ("grpc-mrk-regionnode", West, "Consumer", "process SharedState"),
            ("grpc-mrk-regionnode", Sydney, "Consumer", "process SharedState"),
            ("grpc-mrk-regionnode", East, "Consumer", "process SyncAck"),
        ]);
        Assert.Equal(4, rotation.Select(s => (s.Service, s.Instance)).Distinct().Count());
    }

    /// <summary>The headers of a traced client's call: a new trace, sampled, and the client's own span in it.</summary>
    private static (Metadata Headers, (string TraceId, string SpanId) Caller) TraceParent()
    {
        var trace = ActivityTraceId.CreateRandom().ToHexString();
        var span = ActivitySpanId.CreateRandom().ToHexString();
        return (new Metadata { { "traceparent", $"00-{trace}-{span}-01" } }, (trace, span));
    }

    /// <summary>
    /// Waits until the caller's trace holds a span for each expected step and is one tree (every span's parent is in the
    /// trace, or is the caller), then checks that exactly one span, the called Region's server span, is the caller's child.
    /// </summary>
    private async Task<IReadOnlyList<ReceivedSpan>> TraceAsync(OtlpReceiver receiver, (string TraceId, string SpanId) caller,
        (string Service, string? Instance, string Kind, string Name)[] expected)
    {
        IReadOnlyList<ReceivedSpan> Spans() => [.. receiver.Spans.Where(s => s.TraceId == caller.TraceId)];
        bool Has(IReadOnlyList<ReceivedSpan> spans, (string Service, string? Instance, string Kind, string Name) step) => spans.Any(s =>
            s.Service == step.Service && (step.Instance is null || s.Instance == step.Instance) && s.Kind == step.Kind
            && s.Name.Contains(step.Name, StringComparison.Ordinal));
        // The processes export on their own schedules, so a span may arrive before its parent: the trace is read once
        // every step is there and every span's parent has arrived too.
        bool Complete(IReadOnlyList<ReceivedSpan> spans)
        {
            var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
            return expected.All(step => Has(spans, step)) && spans.All(s => s.ParentSpanId == caller.SpanId || ids.Contains(s.ParentSpanId));
        }

        IReadOnlyList<ReceivedSpan> spans = [];
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(Complete(spans = Spans())), TimeSpan.FromSeconds(30),
                "every step's span in the caller's trace, each with its parent");
        }
        finally
        {
            output.WriteLine(string.Join(Environment.NewLine, Spans()));
        }

        var server = Assert.Single(spans, s => s.ParentSpanId == caller.SpanId);
        Assert.Equal(("Server", expected[0].Instance), (server.Kind, server.Instance));
        return spans;
    }

    private static ReceivedSpan Single(IEnumerable<ReceivedSpan> spans, string name) => spans.First(s => s.Name == name);
}
