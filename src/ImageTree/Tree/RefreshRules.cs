using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>
/// Where a refresh may move a layer (rules 4 and 5 of the tree rules in docs/invariants.md): forward
/// along its parent's lineage; backwards only when asked; onto another lineage only when asked and
/// only if both sit on the same root, since blocks line up only between disks made from one image.
/// </summary>
internal static class RefreshRules
{
    /// <summary>Roots have no parent; pinned layers refuse moves; the command's kind must match the layer's.</summary>
    public static void CheckMovable(LayerRecord layer, LayerKind? expected)
    {
        if (layer.Kind == LayerKind.Root)
        {
            throw new StoreException(StoreErrorKind.WrongKind, $"'{layer.Name}' is a root; only branches and leaves have a parent to refresh");
        }
        if (expected is { } kind && layer.Kind != kind)
        {
            string noun = layer.Kind.ToString().ToLowerInvariant();
            throw new StoreException(StoreErrorKind.WrongKind, $"'{layer.Name}' is a {noun}, not a {kind.ToString().ToLowerInvariant()}; use 'ubd {noun} refresh {layer.Name}'");
        }
        if (layer.Pinned)
        {
            throw new StoreException(StoreErrorKind.Protected, $"'{layer.Name}' is pinned to its parent; unpin it first (ubd layer set {layer.Name} --pin false)");
        }
    }

    public static void CheckDirection(LayerRecord layer, LayerRecord parent, LayerRecord target, LayerRecord parentRoot, LayerRecord targetRoot, RefreshOptions options)
    {
        if (parent.Lineage is { } lineage && target.Lineage == lineage)
        {
            if (target.Edition < parent.Edition && !options.AllowDowngrade)
            {
                throw new StoreException(StoreErrorKind.OutOfLine,
                    $"'{target.Name}' is older than '{parent.Name}', which '{layer.Name}' sits on: that is a downgrade. Add --allow-downgrade if you mean it");
            }
            return;
        }
        if (!options.OtherLineage)
        {
            throw new StoreException(StoreErrorKind.OutOfLine,
                $"'{target.Name}' is not an edition of {(parent.Lineage is { } own ? $"'{own}'" : "a lineage")}, the lineage of '{layer.Name}''s parent {parent.Name}; "
                + "add --other-lineage to move it to another lineage on the same base");
        }
        if (parentRoot.Id != targetRoot.Id)
        {
            throw new StoreException(StoreErrorKind.OutOfLine,
                $"'{target.Name}' is built on '{targetRoot.Name}' and '{layer.Name}' on '{parentRoot.Name}': layers on different roots share no blocks, so '{layer.Name}''s writes would land on an unrelated disk");
        }
    }
}
