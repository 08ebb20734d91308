using System.Text.Json;
using DeployDirector.Contracts;
using NodeAgent.Actions;

namespace NodeAgent.Tests.Units;

/// <summary>What the agent makes of a director that leaves optional fields out.</summary>
public sealed class WireTests
{
    [Fact]
    public void A_command_without_a_timeout_gets_the_default_budget()
    {
        var command = JsonSerializer.Deserialize("""{"id":"c1","kind":"prepare"}""", AgentJson.Default.AgentCommand)!;

        Assert.Equal(AgentContext.DefaultTimeout, AgentContext.TimeoutOf(command));
        Assert.Equal(TimeSpan.FromSeconds(2), AgentContext.TimeoutOf(command with { TimeoutMs = 2000 }));
        Assert.False(command.Remove);
    }
}
