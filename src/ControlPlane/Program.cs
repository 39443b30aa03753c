using Grpc.Mrk.ControlPlane.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (args.Contains("probe"))
{
    // The container health check, beside the running ControlPlane (whose data directory it must not touch).
    return await builder.ProbeControlPlaneAsync(args);
}

builder.AddControlPlane(args);
var app = builder.Build();
try
{
    await app.PrepareControlPlaneAsync();
    app.MapControlPlane();
    await app.StartAsync();
}
catch (Exception e) when (e is InvalidOperationException or IOException)
{
    await Console.Error.WriteLineAsync($"ControlPlane refused to start: {e.Message}");
    return 2;
}

await app.WaitForShutdownAsync();
return 0;
