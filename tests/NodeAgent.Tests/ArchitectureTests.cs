namespace NodeAgent.Tests;

/// <summary>The agent shares only the protocol contracts with the director (DESIGN.md's arrows).</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void The_agent_references_only_the_contracts_and_the_runtime()
    {
        string[] references = [.. typeof(Config.AgentOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name!)];
        Assert.Contains("DeployDirector.Contracts", references);
        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name.StartsWith("Microsoft.Win32", StringComparison.Ordinal) || name == "DeployDirector.Contracts" || name == "netstandard", name));
    }
}
