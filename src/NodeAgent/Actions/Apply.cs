using System.Globalization;
using DeployDirector.Contracts;
using NodeAgent.Archive;

namespace NodeAgent.Actions;

/// <summary>
/// Puts the prepared archive in place for the command's epoch: stops jobs of a previous archive,
/// moves the staged files to <c>current/</c>, runs each job's optional bin/pre-start.
/// </summary>
internal sealed class Apply(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.Apply;

    public bool NeedsInstance => true;

    public async Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var instance = command.Instance!;
        var stage = LatestStage(instance.Id, instance.Epoch);
        var runtime = context.Instances.Find(instance.Id);
        if (stage is null)
        {
            if (runtime?.Spec is not null)
            {
                // Nothing new to apply: the files in place carry on under the newer assignment.
                runtime.Record(instance, null, runtime.Phase);
                return AgentContext.Ok(command, runtime.Snapshot());
            }

            return AgentContext.Refuse(command, Refusals.Failed, $"nothing is prepared for {instance}");
        }

        runtime ??= context.Instances.GetOrAdd(instance, InstancePhase.Prepared);
        if (runtime.HasRunningJobs)
        {
            await runtime.StopJobsAsync().ConfigureAwait(false);
        }

        var sha = File.ReadAllText(Path.Combine(stage, ".archive-sha256")).Trim();
        var current = context.Paths.Current(instance.Id);
        if (Directory.Exists(current))
        {
            Directory.Delete(current, recursive: true);
        }

        Directory.Move(stage, current);
        DeleteOlderStages(instance.Id, instance.Epoch);
        runtime.LoadSpec();
        runtime.Record(instance, sha, InstancePhase.Applied);
        context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ubd-agent: applied {instance} ({sha})"));

        foreach (var job in runtime.Spec!.Jobs)
        {
            var environment = runtime.Environment(job);
            var preStart = environment.Script("pre-start");
            if (!File.Exists(preStart))
            {
                continue;
            }

            var result = await Supervision.ScriptRunner.RunAsync(environment, preStart, AgentContext.TimeoutOf(command), AgentProtocol.MaxOutputBytes, cancellation).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                var why = result.TimedOut ? "timed out" : $"exited with code {result.ExitCode}";
                return new CommandResult(command.Id, false, result.TimedOut ? Refusals.Timeout : Refusals.Failed, $"{job}: bin/pre-start {why}", result.Output, result.ExitCode, runtime.Snapshot());
            }
        }

        return AgentContext.Ok(command, runtime.Snapshot());
    }

    /// <summary>The newest prepared stage not newer than <paramref name="epoch"/>.</summary>
    private string? LatestStage(string id, long epoch)
    {
        var staging = context.Paths.Staging(id);
        if (!Directory.Exists(staging))
        {
            return null;
        }

        return Directory.EnumerateDirectories(staging)
            .Select(path => (Path: path, Epoch: long.TryParse(Path.GetFileName(path), CultureInfo.InvariantCulture, out var e) ? e : long.MaxValue))
            .Where(stage => stage.Epoch <= epoch && File.Exists(Path.Combine(stage.Path, ".archive-sha256")))
            .OrderByDescending(stage => stage.Epoch)
            .Select(stage => stage.Path)
            .FirstOrDefault();
    }

    private void DeleteOlderStages(string id, long epoch)
    {
        var staging = context.Paths.Staging(id);
        foreach (var path in Directory.EnumerateDirectories(staging))
        {
            if (long.TryParse(Path.GetFileName(path), CultureInfo.InvariantCulture, out var e) && e <= epoch)
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }
}
