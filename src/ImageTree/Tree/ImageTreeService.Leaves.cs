using UnionBlock.Store;

namespace ImageTree.Tree;

/// <summary>Operations on one leaf that ZFS and RBD users expect: reset to its edition, clone, rename.</summary>
public sealed partial class ImageTreeService
{
    /// <summary>
    /// Discards a leaf's writes: it reads as its edition again (like <c>zfs rollback</c> to the
    /// clone's origin). Refused for a protected leaf and while a node is attached or the leaf is open.
    /// </summary>
    public LayerRecord ResetLeaf(string name)
    {
        LayerRecord reset;
        lock (_policy)
        {
            LayerRecord leaf = RequireIdleLeaf(name, "reset");
            if (leaf.Protected)
            {
                throw new StoreException(StoreErrorKind.Protected, $"'{leaf.Name}' is protected, so its writes cannot be discarded; unprotect it first (ubd layer set {leaf.Name} --protect false)");
            }
            reset = Layers.ResetLeaf(leaf.Name);
        }
        Publish("leaf.reset", reset.Name, $"writes discarded; reads as {ParentOf(reset).Name} again");
        return reset;
    }

    /// <summary>A new leaf over the same edition with a copy of <paramref name="source"/>'s writes (its quotas too).</summary>
    public LayerRecord CloneLeaf(string source, string name)
    {
        LayerRecord clone;
        lock (_policy)
        {
            CheckLeafName(name);
            LayerRecord leaf = RequireIdleLeaf(source, "cloned");
            clone = Layers.CloneLeaf(leaf.Name, name);
        }
        Publish("leaf.created", clone.Name, $"a clone of {source} over {ParentOf(clone).Name}");
        return clone;
    }

    /// <summary>
    /// Renames a leaf no node owns (a node's leaf is named for it, and its boot configuration names
    /// it as the NBD export). Editions are never renamed: their names are how everything refers to them.
    /// </summary>
    public LayerRecord RenameLeaf(string name, string newName)
    {
        LayerRecord renamed;
        lock (_policy)
        {
            CheckLeafName(newName);
            LayerRecord leaf = RequireIdleLeaf(name, "renamed");
            if (NodeOwning(leaf.Name) is { } mac)
            {
                throw new StoreException(StoreErrorKind.InUse, $"'{leaf.Name}' is the leaf of node {mac}, whose boot configuration names it; it keeps its name");
            }
            renamed = Layers.RenameLeaf(leaf.Name, newName);
        }
        Publish("leaf.renamed", renamed.Name, $"was {name}");
        return renamed;
    }

    /// <summary>Leaf names are layer names without '@' (which marks editions) and not a lineage's.</summary>
    private void CheckLeafName(string name)
    {
        if (name.Contains('@', StringComparison.Ordinal))
        {
            throw new StoreException(StoreErrorKind.InvalidArgument, $"'{name}': leaf names cannot contain '@' (it marks editions)");
        }
        if (LatestEdition(name) is not null)
        {
            throw new StoreException(StoreErrorKind.AlreadyExists, $"'{name}' is a lineage (its editions are {name}@N); choose another leaf name");
        }
    }

    private LayerRecord RequireIdleLeaf(string name, string verb)
    {
        LayerRecord leaf = Resolve(name);
        if (leaf.Kind != LayerKind.Leaf)
        {
            throw new StoreException(StoreErrorKind.WrongKind, $"'{leaf.Name}' is a {leaf.Kind.ToString().ToLowerInvariant()}; only leaves are {verb} (editions never change)");
        }
        if (IsAttached(leaf) || Layers.IsOpen(leaf))
        {
            throw new StoreException(StoreErrorKind.InUse, $"'{leaf.Name}' is in use by a node; it can be {verb} only while no one has it open (stop the node first)");
        }
        return leaf;
    }

    private string? NodeOwning(string leaf) =>
        _metadata.Scan(Key(NodePrefix))
            .Select(e => System.Text.Json.JsonSerializer.Deserialize<NodeRecord>(e.Value, Metadata.MetadataJson.Options)!)
            .FirstOrDefault(n => n.Leaf == leaf)?.Mac;
}
