using DeployDirector.Contracts;

namespace DeployDirector.Tests.Director;

/// <summary>A command an agent ran, between two ticks of the agents' shared counter.</summary>
public sealed record CommandSpan(AgentCommand Command, long Began, long Ended);
