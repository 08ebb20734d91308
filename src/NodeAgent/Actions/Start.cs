using DeployDirector.Contracts;

namespace NodeAgent.Actions;

/// <summary>Starts every job's bin/run under supervision (idempotent: running jobs are left alone).</summary>
internal sealed class Start(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.Start;

    public bool NeedsInstance => true;

    public Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var instance = command.Instance!;
        var runtime = context.Instances.Find(instance.Id);
        if (runtime?.Spec is null)
        {
            return Task.FromResult(AgentContext.Refuse(command, Refusals.UnknownInstance, $"nothing is applied for {instance}"));
        }

        if (runtime.Spec.Lifecycle == Lifecycle.Errand)
        {
            return Task.FromResult(AgentContext.Refuse(command, Refusals.Failed, $"{instance} is an errand: run it with run_errand", runtime.Snapshot()));
        }

        runtime.StartJobs();
        runtime.Record(instance, null, InstancePhase.Running);
        context.Log.WriteLine($"ubd-agent: started {instance}");
        return Task.FromResult(AgentContext.Ok(command, runtime.Snapshot()));
    }
}
