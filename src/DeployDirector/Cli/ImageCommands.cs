using System.CommandLine;
using UnionBlock.Store;

namespace DeployDirector.Cli;

/// <summary>`ubd image …`: root images.</summary>
internal static class ImageCommands
{
    public static Command Build()
    {
        var image = new Command("image", "Import and list root images (the read-only base every node starts from)");
        image.Subcommands.Add(Import());
        image.Subcommands.Add(List());
        return image;
    }

    private static Command Import()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<string> name = CommonOptions.Name("Name of the new root layer, e.g. base@1");
        Option<ImageFormat> format = new("--format")
        {
            Description = "Format of FILE: raw, qcow2, or auto (detected from the file)",
            DefaultValueFactory = _ => ImageFormat.Auto,
        };
        Option<bool> json = CommonOptions.Json();
        Argument<FileInfo> file = new("FILE") { Description = "The disk image to import" };
        var command = new Command("import", "Import a raw or qcow2 disk image as a new root layer; holes stay holes")
        {
            data, name, format, json, file,
        };
        command.SetAction(result =>
        {
            FileInfo source = result.GetValue(file)!;
            bool asJson = result.GetValue(json);
            using LayerStore store = LayerStore.Open(result.GetValue(data)!.FullName);
            long total = source.Exists ? source.Length : 0;
            ImportResult imported = Output.WithProgress($"importing {source.Name}", total, asJson,
                progress => store.ImportImage(result.GetValue(name)!, source.FullName, result.GetValue(format), progress));
            if (asJson)
            {
                Output.Json(new { imported.Layer.Name, imported.Layer.Id, imported.ImageBytes, imported.StoredBytes });
            }
            else
            {
                Console.WriteLine($"imported {imported.Layer.Name}: {Output.Bytes(imported.ImageBytes)} image, {Output.Bytes(imported.StoredBytes)} of data stored");
            }
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<bool> json = CommonOptions.Json();
        var command = new Command("list", "List every layer: roots, branches and leaves") { data, json };
        command.SetAction(result =>
        {
            using LayerStore store = LayerStore.Open(result.GetValue(data)!.FullName);
            LayerTable.Print(store, store.Layers, result.GetValue(json));
            return 0;
        });
        return command;
    }
}
