using System.Diagnostics;
using System.Globalization;
using DeployDirector.Contracts;
using NodeAgent.Archive;
using NodeAgent.Supervision;

namespace NodeAgent.Actions;

/// <summary>
/// A patch worker's one job: fetch the patch archive (<c>patch.sh</c>, optional <c>files/</c>), check its
/// SHA-256, unpack it into the worker's tmpfs and run <c>patch.sh</c> as root with the files beside it
/// (<c>UBD_PATCH_FILES</c>). The result carries the exit code and the output's tail; afterwards the
/// node (after a success) syncs, remounts its root read-only and powers off, so the server can freeze the leaf, which
/// then holds exactly what the script changed. Any node not booted as a worker refuses: a misdirected
/// patch must never rewrite or power off a node that runs jobs.
/// </summary>
internal sealed class RunPatch(AgentContext context) : IAgentAction
{
    /// <summary>How long fetching the patch archive may take, beside the script's own budget.</summary>
    private static readonly TimeSpan s_downloadBudget = TimeSpan.FromMinutes(5);

    public string Kind => CommandKind.RunPatch;

    public bool NeedsInstance => false;

    public async Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        if (!context.Options.Worker)
        {
            return AgentContext.Refuse(command, Refusals.Failed,
                $"this node was not booted as a patch worker ({AgentProtocol.WorkerArgument}=1): it runs no patch scripts");
        }

        if (command.ArchiveSha256 is not { Length: > 0 } expected)
        {
            return AgentContext.Refuse(command, Refusals.Failed, "run_patch needs archive_sha256");
        }

        var directory = context.Options.PatchDirectory;
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        var download = Path.Combine(directory, "patch.tgz");
        var work = Path.Combine(directory, "work");
        var limits = ArchiveLimits.Default;
        try
        {
            var actual = await context.Director.DownloadAsync(expected, download, command.ArchiveBytes ?? limits.MaxBytes, s_downloadBudget, cancellation).ConfigureAwait(false);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                return AgentContext.Refuse(command, Refusals.BadChecksum, $"the patch archive's SHA-256 is {actual}, not {expected}");
            }

            using var archive = File.OpenRead(download);
            if (ArchiveUnpacker.Unpack(archive, work, limits) is { } refused)
            {
                return AgentContext.Refuse(command, refused.Refusal!, refused.Error!);
            }
        }
        catch (InvalidDataException e)
        {
            return AgentContext.Refuse(command, Refusals.BadArchive, e.Message);
        }
        finally
        {
            File.Delete(download);
        }

        if (!File.Exists(Path.Combine(work, "patch.sh")))
        {
            return AgentContext.Refuse(command, Refusals.BadArchive, "the patch archive has no patch.sh");
        }

        // patch.sh needs neither a #! line nor the executable bit: a wrapper of ours runs it with sh.
        var wrapper = Path.Combine(directory, "run-patch");
        File.WriteAllText(wrapper, "#!/bin/sh\nexec /bin/sh ./patch.sh\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = new JobEnvironment("patch", 0, work, Path.Combine(work, "files"), "");
        var started = Stopwatch.GetTimestamp();
        context.Log.WriteLine($"ubd-agent: running the patch {expected}");
        var result = await ScriptRunner.RunAsync(environment, wrapper, AgentContext.TimeoutOf(command), AgentProtocol.MaxOutputBytes, PatchVariables(work), cancellation).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ubd-agent: the patch {(result.TimedOut ? "timed out" : $"exited with code {result.ExitCode}")} after {seconds:0.0} s"));
        if (result.TimedOut)
        {
            return new CommandResult(command.Id, false, Refusals.Timeout, $"patch.sh ran out of time ({AgentContext.TimeoutOf(command).TotalSeconds:0} s)", result.Output, null, null);
        }

        return result.ExitCode == 0
            ? new CommandResult(command.Id, true, null, null, result.Output, 0, null)
            : new CommandResult(command.Id, false, Refusals.Failed, $"patch.sh exited with code {result.ExitCode}", result.Output, result.ExitCode, null);
    }

    /// <summary>After a patch that succeeded (the dispatcher runs this only then): everything the script
    /// wrote goes to the leaf and the VM powers off, which tells the server the leaf is ready to freeze. A
    /// failed worker stays up until the server deletes it with its leaf.</summary>
    public async Task AfterResultAsync(AgentCommand command)
    {
        if (!context.Options.Worker)
        {
            return;
        }

        context.Log.WriteLine($"ubd-agent: patch done; powering off ({context.Options.PowerOffCommand})");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(context.Options.PowerOffCommand);
        using var process = Process.Start(start);
        if (process is not null)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string> PatchVariables(string work) => new(StringComparer.Ordinal)
    {
        ["UBD_PATCH_FILES"] = Path.Combine(work, "files"),
        ["UBD_PATCH_DIR"] = work,
    };
}
