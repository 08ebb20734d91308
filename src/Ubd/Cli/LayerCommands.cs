using System.CommandLine;
using System.Text.Json;
using ImageTree.Operations;

namespace Ubd.Cli;

/// <summary>`ubd layer …`: any layer's metadata, space, flattening and deletion.</summary>
internal static class LayerCommands
{
    public static Command Build() => new("layer", "Show, label, protect, flatten, measure and delete layers")
    {
        Show(), Set(), Space(), Flatten(), Delete(),
    };

    private static Command Show()
    {
        Argument<string> layer = ApiCommand.Layer();
        return ApiCommand.Create("show", "Show one layer", [layer],
            (r, api, _) => api.Get($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}"),
            l => string.Join('\n',
                $"name      {l.Str("name")} ({l.Str("kind")})",
                $"parent    {l.Str("parent")}",
                $"size      {Output.Bytes(l.Long("size"))}",
                $"children  {string.Join(' ', l.GetProperty("children").EnumerateArray().Select(c => c.GetString()))}",
                $"labels    {string.Join(' ', l.GetProperty("labels").EnumerateObject().Select(p => $"{p.Name}={p.Value}"))}",
                $"protected {l.Str("protected")}  pinned {l.Str("pinned")}",
                $"quota     {(l.Long("quotaBytes") > 0 ? Output.Bytes(l.Long("quotaBytes")) : "none")} (soft {(l.Long("softQuotaBytes") > 0 ? Output.Bytes(l.Long("softQuotaBytes")) : "none")})",
                $"attached  {string.Join(' ', l.GetProperty("attachments").EnumerateArray().Select(a => a.Str("client")))}"));
    }

    private static Command Set()
    {
        Argument<string> layer = ApiCommand.Layer();
        Option<string[]> label = new("--label") { Description = "Set a label KEY=VALUE (repeatable)", HelpName = "KEY=VALUE" };
        Option<string[]> unlabel = new("--unlabel") { Description = "Remove a label (repeatable)", HelpName = "KEY" };
        Option<bool?> protect = new("--protect") { Description = "true: refuse deletion; false: allow it" };
        Option<bool?> pin = new("--pin") { Description = "true: refuse refreshes; false: allow them" };
        Option<long?> quota = ByteSizes.OptionalOption("--quota", "Hard quota, 0 removes it");
        Option<long?> soft = ByteSizes.OptionalOption("--soft-quota", "Soft quota, 0 removes it");
        return ApiCommand.Create("set", "Change labels, protection, pinning or quotas", [layer, label, unlabel, protect, pin, quota, soft],
            (r, api, _) =>
            {
                var labels = new Dictionary<string, string?>();
                foreach (string pair in r.GetValue(label) ?? [])
                {
                    int equals = pair.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        throw new ApiException(400, "usage", $"--label '{pair}' is not KEY=VALUE");
                    }
                    labels[pair[..equals]] = pair[(equals + 1)..];
                }
                foreach (string key in r.GetValue(unlabel) ?? [])
                {
                    labels[key] = null;
                }
                var patch = new ImageTree.Tree.LayerPatch
                {
                    Labels = labels.Count > 0 ? labels : null,
                    Protected = r.GetValue(protect),
                    Pinned = r.GetValue(pin),
                    QuotaBytes = r.GetValue(quota),
                    SoftQuotaBytes = r.GetValue(soft),
                };
                return api.Patch($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}", patch);
            },
            l => $"updated {l.Str("name")}");
    }

    private static Command Space()
    {
        Argument<string> layer = ApiCommand.Layer();
        return ApiCommand.Create("space", "Space accounting of a layer (as ZFS reports it)", [layer],
            (r, api, _) => api.Get($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}/space"),
            s => string.Join('\n',
                $"written     {Output.Bytes(s.Long("writtenBytes"))}  (held by this layer; for a leaf, since its last freeze)",
                $"referenced  {Output.Bytes(s.Long("referencedBytes"))}  (data its disk shows through the chain)",
                $"unique      {Output.Bytes(s.Long("uniqueBytes"))}  (freed by deleting it)",
                $"children    {Output.Bytes(s.Long("usedByChildrenBytes"))}  (used by layers built on it)"));
    }

    private static Command Flatten()
    {
        Argument<string> layer = ApiCommand.Layer();
        Option<string?> newBase = new("--new-base") { Description = "For a leaf: name of the root its parent's view is copied into (default LEAF.base)", HelpName = "NAME" };
        Option<bool> dryRun = LeafCommands.DryRun();
        return ApiCommand.Create("flatten", "Copy ancestor blocks so the layer stands alone", [layer, newBase, dryRun],
            (r, api, json) => r.GetValue(dryRun)
                ? api.Post($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}/flatten", new Api.FlattenRequest(r.GetValue(newBase), DryRun: true))
                : api.RunTask($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}/flatten", new Api.FlattenRequest(r.GetValue(newBase)), "flattening", json),
            f => f.TryGetProperty("dryRun", out _) ? Output.DryRun(f) : $"{f.GetProperty("layer").Str("name")} stands alone: {Output.Bytes(f.Long("copiedBytes"))} copied"
                + (f.GetProperty("newBase").ValueKind == JsonValueKind.Null ? "" : $" into {f.GetProperty("newBase").Str("name")}"));
    }

    private static Command Delete()
    {
        Argument<string> layer = ApiCommand.Layer();
        Option<bool> recursive = new("--recursive") { Description = "Also delete every layer built on it, and disks nodes are attached to" };
        Option<bool> allEditions = new("--all-editions") { Description = "LAYER is a lineage's name: delete every edition of it (their numbers are not given again)" };
        Option<bool> dryRun = LeafCommands.DryRun();
        return ApiCommand.Create("delete", "Delete a layer and reclaim its space (protected layers never)", [layer, recursive, allEditions, dryRun],
            (r, api, _) => api.Delete($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}?recursive={Flag(r.GetValue(recursive))}&allEditions={Flag(r.GetValue(allEditions))}&dryRun={Flag(r.GetValue(dryRun))}"),
            d => $"{(d.GetProperty("dryRun").GetBoolean() ? "would delete (nothing changed)" : "deleted")} {string.Join(", ", d.GetProperty("deleted").EnumerateArray().Select(n => n.GetString()))}; {Output.Bytes(d.Long("freedBytes"))} freed");
    }

    private static string Flag(bool value) => value ? "true" : "false";

    internal static Command Export()
    {
        Argument<string> layer = ApiCommand.Layer("The layer whose disk is written");
        Option<FileInfo> output = new("--output") { Description = "File to write (a path on the server)", Required = true, HelpName = "FILE" };
        Option<ImageFormat> format = new("--format") { Description = "raw (sparse), qcow2, or auto (qcow2 for a .qcow2 name, else raw)", DefaultValueFactory = _ => ImageFormat.Auto };
        return ApiCommand.Create("export", "Write the disk a layer shows (its whole chain, flattened) to a file, skipping holes", [layer, output, format],
            (r, api, json) => api.RunTask($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}/export", new Api.ExportRequest(r.GetValue(output)!.FullName, r.GetValue(format)), "exporting", json),
            e => $"wrote {e.Str("path")}: {Output.Bytes(e.Long("bytesWritten"))} of data");
    }
}
