using System.Globalization;
using DeployDirector.Contracts;
using NodeAgent.Archive;

namespace NodeAgent.Actions;

/// <summary>
/// Fetches the instance archive, checks its SHA-256, unpacks it safely and verifies every file into
/// <c>staging/ID/EPOCH/</c>; runs nothing. An instance with nothing applied is then <c>prepared</c> with
/// this archive's SHA-256 (a hot spare's copy, reported in every heartbeat).
/// </summary>
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

        var sha = expected.ToLowerInvariant();

        // Unpacked beside the epoch's stage and swapped in once verified: a bad archive leaves a good
        // stage of the same epoch (a spare's copy) as it was.
        var stage = context.Paths.Stage(instance.Id, instance.Epoch);
        var unpacking = stage + ".unpacking";
        var download = stage + ".tgz";
        DeleteStage(unpacking);
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
                outcome = ArchiveUnpacker.Unpack(archive, unpacking, limits) ?? ArchiveVerifier.Verify(unpacking, instance.Id);
            }

            if (outcome.Spec is null)
            {
                return AgentContext.Refuse(command, outcome.Refusal!, outcome.Error!);
            }

            File.WriteAllText(Path.Combine(unpacking, ".archive-sha256"), sha);
            DeleteStage(stage);
            Directory.Move(unpacking, stage);
        }
        catch (InvalidDataException e)
        {
            return AgentContext.Refuse(command, Refusals.BadArchive, e.Message);
        }
        finally
        {
            File.Delete(download);
            DeleteStage(unpacking);
        }

        // Only prepared (nothing applied): the instance reports this archive, so the director sees what it
        // holds. An applied one keeps reporting the archive it runs until an apply.
        var runtime = context.Instances.GetOrAdd(instance, InstancePhase.Prepared);
        if (runtime.Spec is null)
        {
            runtime.Record(instance, sha, InstancePhase.Prepared);
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
