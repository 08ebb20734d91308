using System.CommandLine;
using System.Text.Json;
using ImageTree.Operations;

namespace Ubd.Cli;

/// <summary>`ubd image …`: editions of root images and of service groups, and whole-tree views.</summary>
internal static class ImageCommands
{
    public static Command Build()
    {
        var image = new Command("image", "Import editions, list the tree, diff, reconcile")
        {
            Import(), List(), Editions(), Diff(), Reconcile(), StreamCommands.Send(), StreamCommands.Receive(), PatchCommand.Build(),
        };
        return image;
    }

    private static Command Import()
    {
        Option<string> name = CommonOptions.Name("Lineage of the new edition, e.g. base (gives base@1, then base@2, …) (a trailing @N is ignored: editions are numbered in order)");
        Option<string?> delta = new("--delta-over") { Description = "Store only the blocks that differ from this layer (a patched edition)", HelpName = "LAYER" };
        Option<ImageFormat> format = new("--format") { Description = "Format of FILE: raw, qcow2, or auto", DefaultValueFactory = _ => ImageFormat.Auto };
        Argument<FileInfo> file = new("FILE") { Description = "The disk image (a path the server can read)" };
        Option<bool> allowEmpty = LeafCommands.AllowEmpty("a delta that changes no block");
        return ApiCommand.Create("import", "Import a raw or qcow2 image as the next edition of a lineage; holes stay holes", [name, delta, format, allowEmpty, file],
            async (r, api, json) =>
            {
                FileInfo source = r.GetValue(file)!;
                var request = new Api.ImportRequest(Lineage(r.GetValue(name)!), source.FullName, r.GetValue(format), r.GetValue(delta), r.GetValue(allowEmpty));
                return await api.RunTask("/images", request, $"importing {source.Name}", json).ConfigureAwait(false);
            },
            result => $"imported {result.GetProperty("layer").Str("name")}: {Output.Bytes(result.Long("imageBytes"))} image, {Output.Bytes(result.Long("storedBytes"))} of data stored");
    }

    /// <summary>`base@1` names the first edition of `base`; the tree checks the number is the next.</summary>
    private static string Lineage(string name)
    {
        int at = name.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? name : name[..at];
    }

    private static Command List()
    {
        Option<string?> label = new("--label") { Description = "Only layers with this label (key or key=value)", HelpName = "LABEL" };
        Option<bool> space = new("--space") { Description = "Show each layer's USED and REFERENCED bytes and the total against full copies per leaf (reads every disk's map)" };
        return ApiCommand.Create("list", "List every layer: roots, branches and leaves", [label, space],
            (r, api, _) => r.GetValue(space)
                ? (r.GetValue(label) is null ? api.Get("/space") : throw new ApiException(400, "usage", "--space lists the whole tree; it does not take --label"))
                : api.Get("/layers" + (r.GetValue(label) is { } l ? $"?label={ApiCommand.Escape(l)}" : "")),
            answer => answer.ValueKind == JsonValueKind.Object ? TextTable.Space(answer) : TextTable.Layers(answer));
    }

    private static Command Editions()
    {
        Argument<string?> lineage = new("LINEAGE") { Description = "Show this lineage's editions one by one, with what made each (a patch's script, files and output)", Arity = ArgumentArity.ZeroOrOne };
        return ApiCommand.Create("editions", "List lineages and their editions; with LINEAGE, each edition and its provenance", [lineage],
            async (r, api, _) => r.GetValue(lineage) is { } one ? await EditionsOf(api, one).ConfigureAwait(false) : await api.Get("/editions").ConfigureAwait(false),
            editions => editions.GetArrayLength() > 0 && editions[0].TryGetProperty("kind", out _)
                ? TextTable.Render(editions, "no editions",
                    ("EDITION", e => e.Str("name")), ("PARENT", e => e.Str("parent")), ("CREATED", e => e.Str("created")), ("MADE BY", MadeBy))
                : TextTable.Render(editions, "no editions yet",
                    ("LINEAGE", l => l.Str("lineage")),
                    ("LATEST", l => l.Str("latest")),
                    ("EDITIONS", l => string.Join(' ', l.GetProperty("editions").EnumerateArray().Select(e => e.GetString())))));
    }

    /// <summary>The layers of one lineage, oldest edition first.</summary>
    private static async Task<JsonElement> EditionsOf(ApiClient api, string lineage)
    {
        JsonElement layers = await api.Get("/layers").ConfigureAwait(false);
        JsonElement[] editions = [.. layers.EnumerateArray()
            .Where(l => l.TryGetProperty("lineage", out JsonElement of) && of.ValueKind == JsonValueKind.String && of.GetString() == lineage)
            .OrderBy(l => l.GetProperty("edition").GetInt32())];
        return editions.Length > 0 ? JsonSerializer.SerializeToElement(editions)
            : throw new ApiException(404, "not found", $"no lineage named '{lineage}'; 'ubd image editions' lists them");
    }

    /// <summary>A patched edition's labels, in a line: which script, which files, over what, and its output's tail.</summary>
    private static string MadeBy(JsonElement edition)
    {
        if (!edition.TryGetProperty("labels", out JsonElement labels) || !labels.TryGetProperty("patch.script-sha256", out JsonElement script))
        {
            return "-";
        }
        string Label(string key) => labels.TryGetProperty(key, out JsonElement value) ? value.GetString() ?? "" : "";
        return $"patch: script sha256 {script.GetString()![..12]}…, {Label("patch.files")} file(s) (sha256 {Label("patch.files-sha256")[..Math.Min(12, Label("patch.files-sha256").Length)]}…) over {Label("patch.parent")}, exit {Label("patch.exit")}, worker {Label("patch.worker")} at {Label("patch.at")}; output: {Label("patch.output")}";
    }

    private static Command Diff()
    {
        Argument<string> from = new("FROM") { Description = "A layer" };
        Argument<string> to = new("TO") { Description = "Another layer of the same size" };
        return ApiCommand.Create("diff", "Show which extents differ between two layers' disks", [from, to],
            (r, api, _) => api.Get($"/diff?from={ApiCommand.Escape(r.GetValue(from)!)}&to={ApiCommand.Escape(r.GetValue(to)!)}"),
            DescribeDiff);
    }

    private static string DescribeDiff(JsonElement diff)
    {
        var lines = new List<string> { $"{diff.Str("from")} → {diff.Str("to")}: {Output.Bytes(diff.Long("changedBytes"))} in {diff.GetProperty("extents").GetArrayLength()} extents" };
        lines.AddRange(diff.GetProperty("extents").EnumerateArray().Take(50).Select(e => $"  offset {e.Long("offset")}  length {e.Long("length")}"));
        return string.Join('\n', lines);
    }

    private static Command Reconcile()
    {
        Option<string> parent = CommonOptions.Parent("The edition whose leaves are reconciled");
        Option<int> percent = new("--percent") { Description = "Hoist blocks at least this share of the leaves hold identically", DefaultValueFactory = _ => 50 };
        Option<bool> allowEmpty = LeafCommands.AllowEmpty("a hoist that finds no shared block");
        Option<bool> dryRun = LeafCommands.DryRun();
        return ApiCommand.Create("reconcile", "Hoist blocks most leaves share into a new edition and shrink every leaf", [parent, percent, allowEmpty, dryRun],
            (r, api, json) => r.GetValue(dryRun)
                ? api.Post("/reconcile", new Api.HoistRequest(r.GetValue(parent)!, r.GetValue(percent), r.GetValue(allowEmpty), DryRun: true))
                : api.RunTask("/reconcile", new Api.HoistRequest(r.GetValue(parent)!, r.GetValue(percent), r.GetValue(allowEmpty)), "reconciling", json),
            result => result.TryGetProperty("dryRun", out _) ? Output.DryRun(result) : $"published {result.GetProperty("branch").Str("name")}: {result.Long("hoistedBlocks")} blocks hoisted from {result.Long("leaves")} leaves; leaves {Output.Bytes(result.Long("leafBytesBefore"))} → {Output.Bytes(result.Long("leafBytesAfter"))}");
    }
}
