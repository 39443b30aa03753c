using System.CommandLine;
using System.Text.Json.Nodes;
using Grpc.Mrk.Client;
using Grpc.Mrk.Cluster;

namespace Grpc.Mrk.Cli;

/// <summary>`mrk region`: looking after one Region's store (operator certificate, as `mrk admin`).</summary>
internal static class RegionCommands
{
    public static Command Build()
    {
        var region = new Command("region", "One Region's store: an online backup (restore it with the RegionNode's restore command; docs/operations.md).");
        region.Subcommands.Add(Backup());
        return region;
    }

    private static Command Backup()
    {
        var output = new Option<string>("--out") { Description = "The file to write the backup to (must not exist; written readable by its owner only)", Required = true };
        var backup = new Command("backup",
            "Takes an online, consistent copy of the Region's store while it keeps serving (material in it stays wrapped under the Region's domain key, "
            + "which is not in the copy: keep that apart). Checks size and SHA-256 as it arrives.") { output };
        backup.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(output)!;
            var partial = path + ".partial";
            try
            {
                if (File.Exists(path))
                {
                    throw new CliUsageException($"{path} exists; choose a new file for the backup.");
                }

                var (client, _, _, _) = MrkCommandLine.ClientFor(parse, admin: true);
                using var _ = client;
                Admin.V1.BackupHeader header;
                await using (var file = CreateOwnerOnly(partial))
                using (ProgressLine.OnStandardError("taking a backup"))
                {
                    header = await client.BackupRegionAsync(file, cancellationToken).ConfigureAwait(false);
                }

                File.Move(partial, path);
                OutputWriter.Write(Console.Out, new JsonObject
                {
                    ["Region"] = header.Region, ["BackupId"] = header.BackupId, ["TakenAt"] = header.TakenAt.ToDateTimeOffset().ToString("O"),
                    ["Bytes"] = header.Size, ["Keys"] = header.Keys, ["AuditSequence"] = header.AuditSequence, ["File"] = Path.GetFullPath(path),
                }, parse.GetValue(MrkCommandLine.OutputOption) ?? "json", parse.GetValue(MrkCommandLine.QueryOption));
                return 0;
            }
            catch (MrkException e)
            {
                File.Delete(partial);
                await Console.Error.WriteLineAsync($"An error occurred ({e.ErrorCode}) when calling the BackupRegion operation: {e.Message}").ConfigureAwait(false);
                return MrkCommandLine.ServiceErrorExitCode;
            }
            catch (Exception e) when (e is CliUsageException or IOException or UriFormatException or UnauthorizedAccessException
                                           or System.Security.Cryptography.CryptographicException)
            {
                File.Delete(partial);
                await Console.Error.WriteLineAsync($"mrk region backup: {e.Message}").ConfigureAwait(false);
                return MrkCommandLine.UsageErrorExitCode;
            }
        });
        return backup;
    }

    /// <summary>A new file only its owner can read: the backup names every key, principal and audit record of the Region.</summary>
    private static FileStream CreateOwnerOnly(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }
}
