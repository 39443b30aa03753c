using Grpc.Mrk.Cli;

var parse = MrkCommandLine.Build().Parse(args);
if (parse.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
{
    foreach (var error in parse.Errors)
    {
        await Console.Error.WriteLineAsync($"mrk: {error.Message}").ConfigureAwait(false);
    }

    await Console.Error.WriteLineAsync("Try 'mrk --help' or 'mrk <command> --help'.").ConfigureAwait(false);
    return MrkCommandLine.UsageErrorExitCode;
}

return await parse.InvokeAsync().ConfigureAwait(false);
