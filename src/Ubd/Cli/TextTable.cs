using System.Text;
using System.Text.Json;

namespace Ubd.Cli;

/// <summary>Plain aligned columns (they survive pipes and logs, unlike box drawing).</summary>
internal static class TextTable
{
    public static string Render(JsonElement rows, string empty, params (string Header, Func<JsonElement, string> Cell)[] columns)
    {
        List<string[]> lines = [[.. columns.Select(c => c.Header)]];
        lines.AddRange(rows.EnumerateArray().Select(row => columns.Select(c => c.Cell(row)).ToArray()));
        if (lines.Count == 1)
        {
            return empty;
        }
        int[] widths = [.. columns.Select((_, i) => lines.Max(l => l[i].Length))];
        var text = new StringBuilder();
        foreach (string[] line in lines)
        {
            text.AppendJoin("  ", line.Select((cell, i) => i == line.Length - 1 ? cell : cell.PadRight(widths[i]))).Append('\n');
        }
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>The whole-tree space view, with a total line as rbd du prints one.</summary>
    public static string Space(JsonElement space)
    {
        string table = Render(space.GetProperty("layers"), "no layers yet",
            ("NAME", l => l.Str("name")),
            ("KIND", l => l.Str("kind")),
            ("PROVISIONED", l => Output.Bytes(l.Long("provisionedBytes"))),
            ("USED", l => Output.Bytes(l.Long("usedBytes"))),
            ("WRITTEN", l => Output.Bytes(l.Long("writtenBytes"))),
            ("REFERENCED", l => Output.Bytes(l.Long("referencedBytes"))));
        return table + $"\nTOTAL  {Output.Bytes(space.Long("usedBytes"))} stored; full copies of the {space.GetProperty("layers").EnumerateArray().Count(l => l.Str("kind") == "leaf")} leaves would take "
            + $"{Output.Bytes(space.Long("leafReferencedBytes"))} ({Output.Bytes(space.Long("savedBytes"))} saved)";
    }

    public static string Layers(JsonElement layers) => Render(layers, "no layers yet: import a root with 'ubd image import FILE --name LINEAGE'",
        ("NAME", l => l.Str("name")),
        ("KIND", l => l.Str("kind")),
        ("PARENT", l => l.Str("parent")),
        ("SIZE", l => Output.Bytes(l.Long("size"))),
        ("LABELS", l => string.Join(',', l.GetProperty("labels").EnumerateObject().Select(p => $"{p.Name}={p.Value}"))),
        ("FLAGS", l => string.Join(',', new[] { l.GetProperty("protected").GetBoolean() ? "protected" : null, l.GetProperty("pinned").GetBoolean() ? "pinned" : null, l.GetProperty("attachments").GetArrayLength() > 0 ? "attached" : null, l.Str("nextBootParent") != "-" ? $"next-boot:{l.Str("nextBootParent")}" : null }.Where(f => f is not null))));
}
