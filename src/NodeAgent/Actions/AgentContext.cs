using DeployDirector.Contracts;
using NodeAgent.Config;
using NodeAgent.State;
using NodeAgent.Transport;

namespace NodeAgent.Actions;

/// <summary>What actions share: settings, the data directory, the instances, the director.</summary>
internal sealed record AgentContext(AgentOptions Options, AgentPaths Paths, InstanceTable Instances, DirectorClient Director, TextWriter Log)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The command's time budget. A director that leaves timeout_ms out sends 0 through the
    /// source-generated reader (init properties it does not see are set to their default), so 0 means the default.</summary>
    public static TimeSpan TimeoutOf(AgentCommand command) =>
        command.TimeoutMs > 0 ? TimeSpan.FromMilliseconds(command.TimeoutMs) : DefaultTimeout;

    public static CommandResult Ok(AgentCommand command, InstanceState? state, string? output = null) =>
        new(command.Id, true, null, null, output, null, state);

    public static CommandResult Refuse(AgentCommand command, string refusal, string error, InstanceState? state = null) =>
        new(command.Id, false, refusal, error, null, null, state);
}
