using DeployDirector.Contracts;
using NodeAgent.Config;
using NodeAgent.State;
using NodeAgent.Transport;

namespace NodeAgent.Actions;

/// <summary>What actions share: settings, the data directory, the instances, the director.</summary>
internal sealed record AgentContext(AgentOptions Options, AgentPaths Paths, InstanceTable Instances, DirectorClient Director, TextWriter Log)
{
    public static CommandResult Ok(AgentCommand command, InstanceState? state, string? output = null) =>
        new(command.Id, true, null, null, output, null, state);

    public static CommandResult Refuse(AgentCommand command, string refusal, string error, InstanceState? state = null) =>
        new(command.Id, false, refusal, error, null, null, state);
}
