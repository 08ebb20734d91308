using System.CommandLine;

namespace Ubd.Cli;

/// <summary>`ubd leaf …`: nodes' writable layers.</summary>
internal static class LeafCommands
{
    public static Command Build() => new("leaf", "Create, list, freeze, refresh, reconcile, reset, clone, rename and compact leaves (one writable disk per node)")
    {
        Create(), List(), Freeze(), Refresh(), Reconcile(), Reset(), Clone(), Rename(), Compact(),
    };

    private static Command Create()
    {
        Option<string> name = CommonOptions.Name("Name of the new leaf; it is also the node's NBD export name");
        Option<string> parent = CommonOptions.Parent("The root or branch the leaf sits on (a lineage means its latest edition)");
        Option<long> quota = ByteSizes.Option("--quota", "Hard limit on what the disk references (writes past it get ENOSPC)");
        Option<long> soft = ByteSizes.Option("--soft-quota", "Crossing this many referenced bytes raises an event");
        return ApiCommand.Create("create", "Create a leaf over a root or branch; the node's disk exists at once", [name, parent, quota, soft],
            (r, api, _) => api.Post("/leaves", new Api.LeafRequest(r.GetValue(name)!, r.GetValue(parent)!, r.GetValue(quota), r.GetValue(soft))),
            leaf => $"created leaf {leaf.Str("name")} over {leaf.Str("parent")} (export name '{leaf.Str("name")}')");
    }

    private static Command List() => ApiCommand.Create("list", "List leaves", [],
        (_, api, _) => api.Get("/leaves"), TextTable.Layers);

    private static Command Freeze()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to seal");
        Option<string> into = new("--into") { Description = "Lineage of the new edition (e.g. web gives web@N); an existing one only if the leaf sits on its latest edition", Required = true, HelpName = "LINEAGE" };
        Option<bool> allowEmpty = AllowEmpty("a leaf that wrote nothing");
        Option<bool> dryRun = DryRun();
        return ApiCommand.Create("freeze", "Seal a leaf's writes into a new edition; the leaf (and its node) goes on over it", [leaf, into, allowEmpty, dryRun],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/freeze", new Api.FreezeRequest(r.GetValue(into)!, r.GetValue(allowEmpty), r.GetValue(dryRun))),
            edition => edition.TryGetProperty("dryRun", out _) ? Output.DryRun(edition) : $"froze {edition.Str("name")} (over {edition.Str("parent")})");
    }

    internal static Command Refresh(string noun = "leaf")
    {
        Argument<string> layer = ApiCommand.Layer($"The {noun} to move");
        Option<string?> to = new("--to") { Description = "The edition to move onto (default: the latest of its parent's lineage)", HelpName = "LAYER" };
        Option<bool> nextBoot = new("--at-next-boot") { Description = "If a node is attached, move the leaf when the node next boots" };
        Option<bool> downgrade = new("--allow-downgrade") { Description = "Allow an older edition of the parent's lineage" };
        Option<bool> otherLineage = new("--other-lineage") { Description = "Allow an edition of another lineage on the same base" };
        Option<bool> dryRun = DryRun();
        UnionBlock.Store.LayerKind kind = noun == "branch" ? UnionBlock.Store.LayerKind.Branch : UnionBlock.Store.LayerKind.Leaf;
        return ApiCommand.Create("refresh", $"Move a {noun} onto a newer edition of its parent, reporting conflicting blocks", [layer, to, nextBoot, downgrade, otherLineage, dryRun],
            (r, api, _) => api.Post($"/layers/{ApiCommand.Escape(r.GetValue(layer)!)}/refresh",
                new Api.RefreshRequest(r.GetValue(to), r.GetValue(nextBoot), r.GetValue(downgrade), r.GetValue(otherLineage), kind, r.GetValue(dryRun))),
            result => $"{(result.GetProperty("dryRun").GetBoolean() ? "would move (nothing changed) " : "")}{result.Str("layer")}: {result.Str("from")} → {result.Str("to")}{(result.GetProperty("atNextBoot").GetBoolean() ? " at the node's next boot" : "")}; "
                + $"{result.GetProperty("conflicts").GetArrayLength()} conflicting extents ({Output.Bytes(result.Long("conflictBytes"))}) changed by both — the {noun}'s own blocks win");
    }

    private static Command Reconcile()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to fold");
        Option<bool> allowEmpty = AllowEmpty("a leaf that wrote nothing");
        Option<bool> dryRun = DryRun();
        return ApiCommand.Create("reconcile", "Fold a leaf into a new edition of its parent's lineage (it must sit on the latest)", [leaf, allowEmpty, dryRun],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/reconcile", new Api.ReconcileRequest(r.GetValue(allowEmpty), r.GetValue(dryRun))),
            edition => edition.TryGetProperty("dryRun", out _) ? Output.DryRun(edition) : $"published {edition.Str("name")} from the leaf's writes");
    }

    private static Command Reset()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf whose writes are discarded");
        return ApiCommand.Create("reset", "Discard a leaf's writes so it reads as its edition again (not while a node has it)", [leaf],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/reset"),
            l => $"reset {l.Str("name")}: it reads as {l.Str("parent")} again");
    }

    private static Command Clone()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to copy");
        Option<string> name = CommonOptions.Name("Name of the new leaf");
        return ApiCommand.Create("clone", "Make a new leaf over the same edition holding a copy of a leaf's writes", [leaf, name],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/clone", new Api.CloneRequest(r.GetValue(name)!)),
            l => $"created leaf {l.Str("name")} over {l.Str("parent")} with a copy of the source's writes");
    }

    private static Command Rename()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to rename");
        Option<string> to = new("--to") { Description = "Its new name (also its NBD export name)", Required = true, HelpName = "NAME" };
        return ApiCommand.Create("rename", "Rename a leaf no node owns", [leaf, to],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/rename", new Api.RenameRequest(r.GetValue(to)!)),
            l => $"renamed to {l.Str("name")} (export name '{l.Str("name")}')");
    }

    /// <summary>`--allow-empty`: publish an edition identical to the one before it (refused by default).</summary>
    internal static Option<bool> AllowEmpty(string what) => new("--allow-empty") { Description = $"Publish an edition even from {what} (identical to the edition before it)" };

    /// <summary>`--dry-run`: check and report what would change; change nothing.</summary>
    internal static Option<bool> DryRun() => new("--dry-run") { Description = "Report what would change and change nothing" };

    private static Command Compact()
    {
        Argument<string> leaf = ApiCommand.Layer("The leaf to compact");
        return ApiCommand.Create("compact", "Rewrite a leaf's log without overwritten blocks (online)", [leaf],
            (r, api, _) => api.Post($"/leaves/{ApiCommand.Escape(r.GetValue(leaf)!)}/compact"),
            c => $"log {Output.Bytes(c.Long("bytesBefore"))} → {Output.Bytes(c.Long("bytesAfter"))}");
    }
}
