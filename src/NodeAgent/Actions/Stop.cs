using DeployDirector.Contracts;

namespace NodeAgent.Actions;

/// <summary>
/// Drains every job (bin/drain, bounded by the command's timeout), then stops them (SIGTERM to each
/// job's group, SIGKILL after 10 s). With <see cref="AgentCommand.Remove"/> the instance's files,
/// staged archives (a prepared-only instance's too), logs and state go; its fencing epoch stays.
/// </summary>
internal sealed class Stop(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.Stop;

    public bool NeedsInstance => true;

    public async Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var instance = command.Instance!;
        var runtime = context.Instances.Find(instance.Id);
        if (runtime is null)
        {
            // Nothing known: stopping is done; removing still clears files a crash may have left unrecorded.
            if (command.Remove)
            {
                DeleteFiles(instance.Id);
            }

            return AgentContext.Ok(command, null);
        }

        string? error = null;
        if (runtime.HasRunningJobs && runtime.Spec is { } spec)
        {
            var budget = AgentContext.TimeoutOf(command);
            var drains = await Task.WhenAll(spec.Jobs.Select(job => Supervision.Drain.RunAsync(runtime.Environment(job), budget, cancellation))).ConfigureAwait(false);
            var problems = drains.Zip(spec.Jobs, (problem, job) => problem is null ? null : $"{job}: {problem}").OfType<string>().ToList();
            error = problems.Count > 0 ? string.Join("; ", problems) : null;
        }

        await runtime.StopJobsAsync().ConfigureAwait(false);

        // Nothing applied (a spare's prepared copy): there was nothing to stop, and it still holds its archive.
        runtime.Record(instance, null, runtime.Spec is null ? InstancePhase.Prepared : InstancePhase.Stopped);
        context.Log.WriteLine($"ubd-agent: stopped {instance}{(error is null ? "" : $" ({error})")}");
        if (!command.Remove)
        {
            return new CommandResult(command.Id, true, null, error, null, null, runtime.Snapshot());
        }

        context.Instances.Forget(instance.Id);
        DeleteFiles(instance.Id);
        return new CommandResult(command.Id, true, null, error, null, null, null);
    }

    /// <summary>The instance's files, staged archives, group file and logs; its epoch stays (fencing outlives the files).</summary>
    private void DeleteFiles(string id)
    {
        foreach (var directory in new[] { context.Paths.Instance(id), context.Paths.Staging(id), context.Paths.Logs(id) })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
