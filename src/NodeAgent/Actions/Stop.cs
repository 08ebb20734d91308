using DeployDirector.Contracts;

namespace NodeAgent.Actions;

/// <summary>
/// Drains every job (bin/drain, bounded by the command's timeout), then stops them (SIGTERM to each
/// job's group, SIGKILL after 10 s). With <see cref="AgentCommand.Remove"/> the instance's files,
/// logs and state go too; its fencing epoch stays.
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
            // Already gone: stopping is done, removing is done.
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
        runtime.Record(instance, null, InstancePhase.Stopped);
        context.Log.WriteLine($"ubd-agent: stopped {instance}{(error is null ? "" : $" ({error})")}");
        if (!command.Remove)
        {
            return new CommandResult(command.Id, true, null, error, null, null, runtime.Snapshot());
        }

        context.Instances.Forget(instance.Id);
        foreach (var directory in new[] { context.Paths.Instance(instance.Id), context.Paths.Staging(instance.Id), context.Paths.Logs(instance.Id) })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        return new CommandResult(command.Id, true, null, error, null, null, null);
    }
}
