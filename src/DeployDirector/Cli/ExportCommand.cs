using System.CommandLine;
using UnionBlock.Store;

namespace DeployDirector.Cli;

/// <summary>`ubd export`: a flat copy of what a layer shows.</summary>
internal static class ExportCommand
{
    public static Command Build()
    {
        Option<DirectoryInfo> data = CommonOptions.Data();
        Option<string> layer = new("--layer")
        {
            Description = "The layer to export; its whole chain is flattened",
            Required = true,
            HelpName = "NAME",
        };
        Option<FileInfo> output = new("--output")
        {
            Description = "File to write (replaced if it exists)",
            Required = true,
            HelpName = "FILE",
        };
        Option<string> format = new("--format")
        {
            Description = "raw (sparse) or qcow2",
            DefaultValueFactory = _ => "raw",
        };
        format.AcceptOnlyFromAmong("raw", "qcow2");
        Option<bool> json = CommonOptions.Json();
        var command = new Command("export", "Write a flat copy of a layer's disk to a file, skipping holes") { data, layer, output, format, json };
        command.SetAction(result =>
        {
            bool asJson = result.GetValue(json);
            using LayerStore store = LayerStore.Open(result.GetValue(data)!.FullName);
            LayerRecord record = store.Get(result.GetValue(layer)!);
            ImageFormat chosen = result.GetValue(format) == "qcow2" ? ImageFormat.Qcow2 : ImageFormat.Raw;
            string path = result.GetValue(output)!.FullName;
            long written = Output.WithProgress($"exporting {record.Name}", record.Size, asJson,
                progress => store.Export(record.Name, path, chosen, progress));
            if (asJson)
            {
                Output.Json(new { Layer = record.Name, Output = path, Format = result.GetValue(format), record.Size, DataBytes = written });
            }
            else
            {
                Console.WriteLine($"exported {record.Name} to {path} ({result.GetValue(format)}, {Output.Bytes(record.Size)}, {Output.Bytes(written)} of data)");
            }
            return 0;
        });
        return command;
    }
}
