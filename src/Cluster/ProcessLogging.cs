using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Grpc.Mrk.Cluster;

/// <summary>The log setup every process shares: one line per event (or JSON with Logging:Format=json), UTC times.</summary>
public static class ProcessLogging
{
    public static void Configure(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();

        // Per-request framework logs would cost more than the work; each process's own catalogue logs what matters.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc.AspNetCore.Server.ServerCallHandler", LogLevel.Warning);
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole();
            return;
        }

        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
    }
}
