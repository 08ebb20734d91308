using System.Globalization;
using DeployDirector.Contracts;
using NodeAgent.Archive;

namespace NodeAgent.Actions;

/// <summary>Fetches the instance archive, checks its SHA-256, unpacks it safely and verifies every file; runs nothing.</summary>
internal sealed class Prepare(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.Prepare;

    public bool NeedsInstance => true;

    public async Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var instance = command.Instance!;
        if (command.ArchiveSha256 is not { Length: > 0 } expected)
        {
            return AgentContext.Refuse(command, Refusals.Failed, "prepare needs archive_sha256");
        }

        var stage = context.Paths.Stage(instance.Id, instance.Epoch);
        var download = stage + ".tgz";
        DeleteStage(stage);
        Directory.CreateDirectory(Path.GetDirectoryName(stage)!);
        try
        {
            var limits = ArchiveLimits.Default;
            var actual = await context.Director.DownloadAsync(expected, download, command.ArchiveBytes ?? limits.MaxBytes, AgentContext.TimeoutOf(command), cancellation).ConfigureAwait(false);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                return AgentContext.Refuse(command, Refusals.BadChecksum, $"the archive's SHA-256 is {actual}, not {expected}");
            }

            ArchiveOutcome outcome;
            using (var archive = File.OpenRead(download))
            {
                outcome = ArchiveUnpacker.Unpack(archive, stage, limits) ?? ArchiveVerifier.Verify(stage, instance.Id);
            }

            if (outcome.Spec is null)
            {
                DeleteStage(stage);
                return AgentContext.Refuse(command, outcome.Refusal!, outcome.Error!);
            }

            File.WriteAllText(Path.Combine(stage, ".archive-sha256"), expected.ToLowerInvariant());
        }
        catch (InvalidDataException e)
        {
            DeleteStage(stage);
            return AgentContext.Refuse(command, Refusals.BadArchive, e.Message);
        }
        finally
        {
            File.Delete(download);
        }

        var runtime = context.Instances.GetOrAdd(instance, InstancePhase.Prepared);
        if (runtime.Phase == InstancePhase.Prepared)
        {
            runtime.Record(instance, null, InstancePhase.Prepared);
        }

        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ubd-agent: prepared {instance} from {expected}"));
        return AgentContext.Ok(command, runtime.Snapshot());
    }

    private static void DeleteStage(string stage)
    {
        if (Directory.Exists(stage))
        {
            Directory.Delete(stage, recursive: true);
        }
    }
}
