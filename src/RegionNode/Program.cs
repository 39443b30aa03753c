using Grpc.Mrk.RegionNode.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddRegionNode(args);
var app = builder.Build();
try
{
    await app.PrepareRegionNodeAsync();
}
catch (StartupRefusedException refused)
{
    await Console.Error.WriteLineAsync($"RegionNode refused to start: {refused.Message}");
    return 2;
}

app.MapRegionNode();
await app.RunAsync();
return 0;
