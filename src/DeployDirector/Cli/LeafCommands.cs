using System.CommandLine;
using System.Diagnostics;
using UnionBlock.Store;

namespace DeployDirector.Cli;

/// <summary>`ubd leaf …`: nodes' writable layers.</summary>
internal static class LeafCommands
{
    public static Command Build()
    {
        var leaf = new Command("leaf", "Create, list and compact leaves (one writable disk per node)");
        leaf.Subcommands.Add(Create());
        leaf.Subcommands.Add(List());
        leaf.Subcommands.Add(Compact());
        return leaf;
    }

    private static Command Create()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<string> name = CommonOptions.Name("Name of the new leaf; it is also the node's NBD export name");
        Option<string> parent = new("--parent")
        {
            Description = "The root or branch the leaf sits on",
            Required = true,
            HelpName = "LAYER",
        };
        Option<bool> json = CommonOptions.Json();
        var command = new Command("create", "Create a leaf over a root or branch; the node's disk exists at once") { data, name, parent, json };
        command.SetAction(result =>
        {
            using LayerStore store = LayerStore.Open(result.GetValue(data)!.FullName);
            var clock = Stopwatch.StartNew();
            LayerRecord leaf = store.CreateLeaf(result.GetValue(name)!, result.GetValue(parent)!);
            double milliseconds = clock.Elapsed.TotalMilliseconds;
            if (result.GetValue(json))
            {
                Output.Json(new { leaf.Name, leaf.Id, Parent = result.GetValue(parent), leaf.Size, Milliseconds = milliseconds });
            }
            else
            {
                Console.WriteLine($"created leaf {leaf.Name} over {result.GetValue(parent)} ({Output.Bytes(leaf.Size)}) in {milliseconds:0.##} ms");
            }
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<bool> json = CommonOptions.Json();
        var command = new Command("list", "List leaves with their parent and the space they use") { data, json };
        command.SetAction(result =>
        {
            using LayerStore store = LayerStore.Open(result.GetValue(data)!.FullName);
            LayerTable.Print(store, store.Layers.Where(l => l.Kind == LayerKind.Leaf), result.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Compact()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<string> name = CommonOptions.Name("The leaf to compact");
        Option<bool> json = CommonOptions.Json();
        var command = new Command("compact", "Rewrite a leaf's log without the records its later writes made dead") { data, name, json };
        command.SetAction(result =>
        {
            using LayerStore store = LayerStore.Open(result.GetValue(data)!.FullName);
            CompactionResult compacted = store.Compact(result.GetValue(name)!);
            if (result.GetValue(json))
            {
                Output.Json(compacted);
            }
            else
            {
                Console.WriteLine($"compacted {result.GetValue(name)}: {Output.Bytes(compacted.BytesBefore)} -> {Output.Bytes(compacted.BytesAfter)}");
            }
            return 0;
        });
        return command;
    }
}
