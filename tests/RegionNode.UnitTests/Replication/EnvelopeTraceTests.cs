using System.Diagnostics;
using Google.Protobuf;
using Grpc.Mrk.Cluster.Tracing;
using Grpc.Mrk.Internal.V1;

namespace Grpc.Mrk.RegionNode.UnitTests.Replication;

/// <summary>Trace context in envelopes: only when the process traces, only a valid traceparent, each message its own span.</summary>
public sealed class EnvelopeTraceTests : IDisposable
{
    private const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    // A name of this test class's own, so no other test's listener makes it trace.
    private readonly ActivitySource _source = new($"tests.{Guid.NewGuid():N}");
    private readonly List<Activity> _ended = [];
    private ActivityListener? _listener;

    private EnvelopeTrace Trace => new(_source);

    [Fact]
    public void WithoutAListener_NothingIsCapturedOrStarted()
    {
        using var ambient = new Activity("call").SetIdFormat(ActivityIdFormat.W3C).Start();
        Assert.Equal(string.Empty, Trace.Current());
        Assert.Null(Trace.Start("process", ActivityKind.Consumer, Message("m-1", Parent)));
        using var each = Trace.StartEach("store", ActivityKind.Consumer, Message("m-1", Parent));
        Assert.Empty(_ended);
    }

    [Fact]
    public void Current_IsTheAmbientSpansTraceparent_WhenTracing()
    {
        Listen();
        using var call = _source.StartActivity("call", ActivityKind.Server)!;
        Assert.StartsWith($"00-{call.TraceId}-{call.SpanId}-", Trace.Current());
        Assert.Equal(call.Id, Trace.Current());
    }

    [Fact]
    public void Start_IsAChildOfTheMessagesContext_WithItsMessagingAttributes()
    {
        Listen();
        using (var span = Trace.Start("process", ActivityKind.Consumer, Message("m-1", Parent)))
        {
            Assert.NotNull(span);
            Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
            Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
            Assert.Equal("process Probe", span.DisplayName);
            Assert.Equal(("m-1", "eu-west-1", "us-east-1", "mrk-1"), ((string?)span.GetTagItem("messaging.message.id"),
                (string?)span.GetTagItem("messaging.destination.name"), (string?)span.GetTagItem("mrk.source_region"), (string?)span.GetTagItem("mrk.key_id")));
        }

        Assert.Single(_ended);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a traceparent")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    public void Start_WithoutAValidContext_StartsNothing(string traceParent)
    {
        Listen();
        Assert.Null(Trace.Start("process", ActivityKind.Consumer, Message("m-1", traceParent)));
        Assert.Empty(_ended);
    }

    [Fact]
    public void StartEach_OfABatch_IsOneSpanPerTracedMember_AndLeavesTheAmbientSpanCurrent()
    {
        Listen();
        var other = "00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01";
        var batch = new Batch { Members = { Message("m-1", Parent), Message("m-2", string.Empty), Message("m-3", other) } };
        var envelope = new Envelope { MessageId = "b-1", Kind = Batch.Descriptor.FullName, Payload = batch.ToByteString() };
        using var ambient = new Activity("stream").Start();
        using (Trace.StartEach("store", ActivityKind.Consumer, envelope))
        {
            Assert.Same(ambient, Activity.Current);
        }

        Assert.Equal(["0af7651916cd43dd8448eb211c80319c", "1af7651916cd43dd8448eb211c80319c"], _ended.Select(a => a.TraceId.ToHexString()).Order());
        Assert.All(_ended, a => Assert.Equal(ActivityKind.Consumer, a.Kind));
    }

    [Fact]
    public void StartEach_OfABatchThatDoesNotDecode_TracesTheEnvelopeItself()
    {
        Listen();
        var envelope = new Envelope { MessageId = "b-1", Kind = Batch.Descriptor.FullName, Payload = ByteString.CopyFrom(0xFF, 0xFF), TraceParent = Parent };
        using (Trace.StartEach("deliver", ActivityKind.Producer, envelope))
        {
        }

        Assert.Equal("deliver Batch", Assert.Single(_ended).DisplayName);
    }

    [Theory]
    [InlineData(null, null, null, null, false)]
    [InlineData("http://127.0.0.1:4317", null, null, null, true)]
    [InlineData(null, "http://127.0.0.1:4318/v1/traces", null, null, true)]
    [InlineData("http://127.0.0.1:4317", null, "true", null, false)]
    [InlineData("http://127.0.0.1:4317", null, null, "none", false)]
    [InlineData("  ", null, null, null, false)]
    public void TraceExport_IsOnOnlyWhenAnOtlpEndpointIsNamed(string? endpoint, string? tracesEndpoint, string? disabled, string? exporter, bool on)
    {
        var environment = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint, ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = tracesEndpoint,
            ["OTEL_SDK_DISABLED"] = disabled, ["OTEL_TRACES_EXPORTER"] = exporter,
        };
        Assert.Equal(on, TraceExport.Configured(name => environment.GetValueOrDefault(name)));
    }

    private void Listen()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _ended.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private static Envelope Message(string id, string traceParent) => new()
    {
        MessageId = id, SourceRegion = "us-east-1", DestinationRegion = "eu-west-1", KeyId = "mrk-1", Kind = Probe.Descriptor.FullName,
        TraceParent = traceParent,
    };

    public void Dispose()
    {
        _listener?.Dispose();
        _source.Dispose();
    }
}
