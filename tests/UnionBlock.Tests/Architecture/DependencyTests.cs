using System.Reflection;

namespace UnionBlock.Tests.Architecture;

/// <summary>Keeps the arrows of DESIGN.md pointing the right way.</summary>
public sealed class DependencyTests
{
    private static string[] References(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void The_contract_assembly_references_only_the_runtime()
    {
        Assert.All(References(typeof(Abstractions.IBlockDevice).Assembly), name => Assert.StartsWith("System", name));
    }

    [Fact]
    public void The_nbd_server_knows_the_contract_and_not_the_storage_engine()
    {
        string[] references = References(typeof(NbdServer.NbdServerOptions).Assembly);
        Assert.Contains("UnionBlock.Abstractions", references);
        Assert.DoesNotContain("UnionBlock", references);
    }

    [Fact]
    public void The_storage_and_protocol_layers_know_nothing_of_deployments()
    {
        foreach (Assembly layer in new[] { typeof(Abstractions.IBlockDevice).Assembly, typeof(Union.UnionDevice).Assembly, typeof(NbdServer.NbdServerOptions).Assembly })
        {
            Assert.DoesNotContain(References(layer), n => n.StartsWith("DeployDirector", StringComparison.Ordinal) || n == "NodeAgent" || n == "ubd-agent");
        }
    }

    [Fact]
    public void The_storage_engine_uses_no_networking()
    {
        Assembly engine = typeof(Union.UnionDevice).Assembly;
        Assert.DoesNotContain(References(engine), n => n.Contains("Net", StringComparison.Ordinal) || n.Contains("AspNetCore", StringComparison.Ordinal) || n == "NbdServer");
        Assert.DoesNotContain(engine.GetTypes(), t => t.Namespace?.Contains("Nbd", StringComparison.Ordinal) == true);
    }
}
