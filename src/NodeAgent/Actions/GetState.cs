using DeployDirector.Contracts;

namespace NodeAgent.Actions;

/// <summary>The instance's state as the heartbeat reports it.</summary>
internal sealed class GetState(AgentContext context) : IAgentAction
{
    public string Kind => CommandKind.GetState;

    public bool NeedsInstance => true;

    public Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation)
    {
        var runtime = context.Instances.Find(command.Instance!.Id);
        return Task.FromResult(runtime is null
            ? AgentContext.Refuse(command, Refusals.UnknownInstance, $"{command.Instance} is not on this node")
            : AgentContext.Ok(command, runtime.Snapshot()));
    }
}
