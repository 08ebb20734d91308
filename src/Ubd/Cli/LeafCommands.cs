using System.CommandLine;

namespace Ubd.Cli;

/// <summary>`ubd leaf …`: nodes' writable layers.</summary>
internal static class LeafCommands
{
    public static Command Build() => new("leaf", "Create, list, freeze, refresh, reconcile and compact leaves (one writable disk per node)")
    {
        Create(), List(), Freeze(), Refresh(), Reconcile(), Compact(),
    };

    private static Command Create()
    {
        Option<string> name = CommonOptions.Name("Name of the new leaf; it is also the node's NBD export name");
        Option<string> parent = CommonOptions.Parent("The root or branch the leaf sits on (a lineage means its latest edition)");
        Option<long> quota = new("--quota") { Description = "Hard limit in bytes on what the disk references (writes past it get ENOSPC)", HelpName = "BYTES" };
        Option<long> soft = new("--soft-quota") { Description = "Crossing this many referenced bytes raises an event", HelpName = "BYTES" };
        return ApiCommand.Create("create", "Create a leaf over a root or branch; the node's disk exists at once", [name, parent, quota, soft],
            (r, api, _) => api.Post("/leaves", new Api.LeafRequest(r.GetValue(name)!, r.GetValue(parent)!, r.GetValue(quota), r.GetValue(soft))),
            leaf => $"created leaf {leaf.Str("name")} over {leaf.Str("parent")} (export name '{leaf.Str("name")}')");
    }

    private static Command List() => ApiCommand.Create("list", "List leaves", [],
        (_, api, _) => api.Get("/leaves"), TextTable.Layers);

    private static Command Freeze()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to seal");
        Option<string> into = new("--into") { Description = "Lineage of the new edition (e.g. web gives web@N)", Required = true, HelpName = "LINEAGE" };
        return ApiCommand.Create("freeze", "Seal a leaf's writes into a new edition; the leaf (and its node) goes on over it", [leaf, into],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/freeze", new Api.FreezeRequest(r.GetValue(into)!)),
            edition => $"froze {edition.Str("name")} (over {edition.Str("parent")})");
    }

    internal static Command Refresh(string noun = "leaf")
    {
        Argument<string> layer = ApiCommand.Layer($"The {noun} to move");
        Option<string?> to = new("--to") { Description = "The edition to move onto (default: the latest of its parent's lineage)", HelpName = "LAYER" };
        Option<bool> nextBoot = new("--at-next-boot") { Description = "If a node is attached, move the leaf when the node next boots" };
        return ApiCommand.Create("refresh", $"Move a {noun} onto a newer edition of its parent, reporting conflicting blocks", [layer, to, nextBoot],
            (r, api, _) => api.Post($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}/refresh", new Api.RefreshRequest(r.GetValue(to), r.GetValue(nextBoot))),
            result => $"{result.Str("layer")}: {result.Str("from")} → {result.Str("to")}{(result.GetProperty("atNextBoot").GetBoolean() ? " at the node's next boot" : "")}; "
                + $"{result.GetProperty("conflicts").GetArrayLength()} conflicting extents ({Output.Bytes(result.Long("conflictBytes"))}) changed by both — the {noun}'s own blocks win");
    }

    private static Command Reconcile()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to fold");
        return ApiCommand.Create("reconcile", "Fold a leaf into a new edition of its parent's lineage", [leaf],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/reconcile"),
            edition => $"published {edition.Str("name")} from the leaf's writes");
    }

    private static Command Compact()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to compact");
        return ApiCommand.Create("compact", "Rewrite a leaf's log without overwritten blocks (online)", [leaf],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/compact"),
            c => $"log {Output.Bytes(c.Long("bytesBefore"))} → {Output.Bytes(c.Long("bytesAfter"))}");
    }
}
