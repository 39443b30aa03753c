using Grpc.Core;
using Grpc.Mrk.Internal.V1;
using Grpc.Mrk.RegionNode.Domain.Errors;
using Grpc.Mrk.RegionNode.Replication;
using Grpc.Mrk.Testing.V1;

namespace Grpc.Mrk.RegionNode.Testing;

/// <summary>Sends and lists relay probes; mapped only in test mode, to test the relay end to end.</summary>
public sealed class TestRelayApi(Outbox outbox, ProbeHandler probes) : TestRelay.TestRelayBase
{
    public override async Task<SendProbeResponse> SendProbe(SendProbeRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.DestinationRegion))
        {
            throw KmsErrors.Constraint("destinationRegion", "Member must not be null");
        }

        var messageId = await outbox.SendAsync(request.DestinationRegion, string.Empty, new Probe { Text = request.Text }, Domain.Ports.WriteDurability.Immediate, context.CancellationToken)
            .ConfigureAwait(false);
        return new SendProbeResponse { MessageId = messageId };
    }

    public override Task<ListProbesResponse> ListProbes(ListProbesRequest request, ServerCallContext context)
    {
        var response = new ListProbesResponse();
        response.Probes.AddRange(probes.Received.Select(p => new ReceivedProbe { MessageId = p.MessageId, SourceRegion = p.Source, Text = p.Text }));
        return Task.FromResult(response);
    }
}
