using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.Cli;

/// <summary>
/// `mrk cluster console-key ...`: the web console's operator API keys, in the file the ControlPlane reads
/// (--console-keys-file). The commands edit that file where they run; the ControlPlane sees a change on the next request.
/// </summary>
internal static class ConsoleKeyCommands
{
    private const string Name = "mrk cluster console-key";

    public static Command Build()
    {
        var command = new Command("console-key", "Operator API keys for the ControlPlane's web console (a browser without an operator certificate signs in with one).");
        command.Subcommands.Add(Create());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Option<string> FileOption() => new("--file")
    {
        Description = "The ControlPlane's console keys file (its --console-keys-file)", DefaultValueFactory = _ => ".mrk/console-keys",
    };

    private static Command Create()
    {
        var file = FileOption();
        var label = new Option<string>("--label") { Description = "Who or what the key is for (shown by list, written to the file)", DefaultValueFactory = _ => "" };
        var create = new Command("create", "Creates a console key and prints its token once; the file keeps only the token's hash.") { file, label };
        create.SetAction(parse => Run(parse, () =>
        {
            var (entry, token) = ConsoleKeyFile.Create(parse.GetValue(file)!, parse.GetValue(label)!, TimeProvider.System);
            return new JsonObject { ["KeyId"] = entry.KeyId, ["Token"] = token, ["CreatedAt"] = entry.CreatedAt, ["Label"] = entry.Label };
        }));
        return create;
    }

    private static Command List()
    {
        var file = FileOption();
        var list = new Command("list", "Lists the console keys of a file (never their tokens).") { file };
        list.SetAction(parse => Run(parse, () => new JsonObject
        {
            ["Keys"] = new JsonArray(ConsoleKeyFile.Parse(File.ReadAllText(parse.GetValue(file)!))
                .Select(e => (JsonNode)new JsonObject { ["KeyId"] = e.KeyId, ["CreatedAt"] = e.CreatedAt, ["Label"] = e.Label }).ToArray()),
        }));
        return list;
    }

    private static Command Revoke()
    {
        var file = FileOption();
        var keyId = new Option<string>("--key-id") { Description = "The key to revoke", Required = true };
        var revoke = new Command("revoke", "Removes a console key; its sessions end on their next request.") { file, keyId };
        revoke.SetAction(parse => Run(parse, () =>
        {
            var path = parse.GetValue(file)!;
            ConsoleKeyFile.Parse(File.ReadAllText(path));
            return ConsoleKeyFile.Revoke(path, parse.GetValue(keyId)!)
                ? new JsonObject { ["KeyId"] = parse.GetValue(keyId), ["Revoked"] = true }
                : throw new ArgumentException($"{path} holds no console key {parse.GetValue(keyId)}");
        }));
        return revoke;
    }

    private static int Run(ParseResult parse, Func<JsonObject> action)
    {
        try
        {
            OutputWriter.Write(Console.Out, action(), parse.GetValue(MrkCommandLine.OutputOption) ?? "json", parse.GetValue(MrkCommandLine.QueryOption));
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"{Name}: {e.Message}");
            return MrkCommandLine.UsageErrorExitCode;
        }
    }
}
