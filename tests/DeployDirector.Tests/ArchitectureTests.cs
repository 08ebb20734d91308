using System.Reflection;

namespace DeployDirector.Tests;

/// <summary>Keeps the director's arrows as DESIGN.md draws them.</summary>
public sealed class ArchitectureTests
{
    private static string[] References(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void The_agent_protocol_contracts_reference_only_the_runtime()
    {
        Assert.All(References(typeof(Contracts.AgentCommand).Assembly), name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard", name));
    }

    [Fact]
    public void The_director_uses_the_image_tree_and_knows_nothing_of_nbd_or_the_host()
    {
        string[] references = References(typeof(DirectorSetup).Assembly);
        Assert.Contains("ImageTree", references);
        Assert.Contains("DeployDirector.Contracts", references);
        Assert.DoesNotContain("NbdServer", references);
        Assert.DoesNotContain("ubd", references);
    }

    [Fact]
    public void The_image_tree_knows_nothing_of_deployments()
    {
        Assert.DoesNotContain(References(typeof(ImageTree.Tree.ImageTreeService).Assembly), n => n.StartsWith("DeployDirector", StringComparison.Ordinal));
    }
}
