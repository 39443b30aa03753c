using Grpc.Mrk.RegionNode.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (args.Contains("probe"))
{
    // The container health check, beside the running node (whose data directory it must not touch).
    return await builder.ProbeRegionNodeAsync(args);
}

builder.AddRegionNode(args);
var app = builder.Build();
try
{
    if (args.Contains("restore"))
    {
        var exitCode = await app.RestoreRegionAsync(args);
        await app.DisposeAsync();
        return exitCode;
    }

    if (args.Contains("rebuild"))
    {
        var exitCode = await app.PrepareRebuildAsync();
        await app.DisposeAsync();
        return exitCode;
    }

    if (args.Contains("rotate-domain-key"))
    {
        var exitCode = await app.RotateDomainKeyAsync();

        // The console log is written from a queue: disposing the host drains it, so the command's report is not lost.
        await app.DisposeAsync();
        return exitCode;
    }

    await app.PrepareRegionNodeAsync();
    app.MapRegionNode();
    await app.StartAsync();
    try
    {
        app.RequireBoundAddressesAllowed();
    }
    catch (StartupRefusedException)
    {
        await app.StopAsync();
        throw;
    }
}
catch (Exception e) when (e is StartupRefusedException or IOException)
{
    // IOException: Kestrel could not bind, for example because the port is taken.
    await Console.Error.WriteLineAsync($"RegionNode refused to start: {e.Message}");
    return 2;
}

await app.WaitForShutdownAsync();
return 0;
