using System.CommandLine;
using UnionBlock.Store;

namespace DeployDirector.Cli;

/// <summary>`ubd branch …`: frozen layers.</summary>
internal static class BranchCommands
{
    public static Command Build()
    {
        var branch = new Command("branch", "Freeze leaves into read-only branches");
        branch.Subcommands.Add(Freeze());
        return branch;
    }

    private static Command Freeze()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<string> leaf = new("--leaf")
        {
            Description = "The leaf whose contents become the branch",
            Required = true,
            HelpName = "LEAF",
        };
        Option<string> name = CommonOptions.Name("Name of the new branch");
        Option<bool> json = CommonOptions.Json();
        var command = new Command("freeze", "Seal a leaf's contents into a new branch; the leaf goes on, empty, over it (its node sees the same disk)")
        {
            data, leaf, name, json,
        };
        command.SetAction(result =>
        {
            using LayerStore store = LayerStore.Open(result.GetValue(data)!.FullName);
            LayerRecord branch = store.Freeze(result.GetValue(leaf)!, result.GetValue(name)!);
            LayerUsage usage = store.Usage(branch);
            if (result.GetValue(json))
            {
                Output.Json(new { branch.Name, branch.Id, Leaf = result.GetValue(leaf), usage.MappedBlocks, usage.StoredBytes });
            }
            else
            {
                Console.WriteLine($"froze {result.GetValue(leaf)} into branch {branch.Name}: {usage.MappedBlocks} blocks, {Output.Bytes(usage.StoredBytes)}");
            }
            return 0;
        });
        return command;
    }
}
