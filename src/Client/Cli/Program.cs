using Grpc.Mrk.Cli;

return await MrkCommandLine.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
