using DeployDirector.Contracts;

namespace NodeAgent.Actions;

/// <summary>
/// One command kind. The dispatcher has already checked the command's epoch (fencing) and holds the
/// instance's gate; an action only does its work and says how it ended.
/// </summary>
internal interface IAgentAction
{
    string Kind { get; }

    /// <summary>True when the command must name an instance.</summary>
    bool NeedsInstance { get; }

    Task<CommandResult> RunAsync(AgentCommand command, CancellationToken cancellation);

    /// <summary>Runs once the result is posted (reboot: the director hears "ok" before the node goes down).</summary>
    Task AfterResultAsync(AgentCommand command) => Task.CompletedTask;
}
