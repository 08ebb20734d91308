using Spectre.Console;
using UnionBlock.Store;

namespace DeployDirector.Cli;

/// <summary>Prints layers as a table for people or as JSON for scripts.</summary>
internal static class LayerTable
{
    public static void Print(LayerStore store, IEnumerable<LayerRecord> layers, bool json)
    {
        var rows = layers.Select(l =>
        {
            LayerUsage usage = store.Usage(l);
            return new
            {
                l.Name,
                Kind = l.Kind,
                Parent = store.Parent(l)?.Name,
                l.Size,
                Depth = store.Ancestry(l).Count,
                usage.MappedBlocks,
                usage.StoredBytes,
                l.Id,
                Created = l.CreatedUtc,
            };
        }).ToList();
        if (json)
        {
            Output.Json(rows);
            return;
        }
        if (rows.Count == 0)
        {
            Console.WriteLine("no layers yet: import a root with 'ubd image import'");
            return;
        }
        var table = new Table().AddColumns("NAME", "KIND", "PARENT", "SIZE", "DEPTH", "BLOCKS", "STORED");
        foreach (var row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Name),
                row.Kind.ToString().ToLowerInvariant(),
                Markup.Escape(row.Parent ?? "-"),
                Output.Bytes(row.Size),
                row.Depth.ToString(System.Globalization.CultureInfo.InvariantCulture),
                row.MappedBlocks < 0 ? "?" : row.MappedBlocks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Output.Bytes(row.StoredBytes));
        }
        AnsiConsole.Write(table);
    }
}
