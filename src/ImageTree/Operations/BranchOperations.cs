using System.Collections.Immutable;
using UnionBlock.Frozen;
using UnionBlock.Store;

namespace ImageTree.Operations;

/// <summary>Creating branches and moving layers between parents: each writes a layer's files (if
/// any), then commits the catalog once.</summary>
public sealed class BranchOperations(LayerStore layers)
{
    /// <summary>Creates an empty frozen branch over a frozen layer (a service group's starting point).</summary>
    public LayerRecord CreateBranch(NewLayer name, string parentName) =>
        layers.RunExclusive(() =>
        {
            layers.CheckNewName(name.Name);
            LayerRecord parent = layers.RequireFrozen(parentName, "a branch's parent");
            LayerRecord branch = name.Stamp(new LayerRecord(Guid.NewGuid(), name.Name, LayerKind.Branch, parent.Id, parent.Size, 0, DateTimeOffset.UtcNow));
            using (FrozenLayerWriter writer = layers.WriteFrozenLayer(branch))
            {
                writer.Complete();
            }
            layers.CommitNewLayer(branch);
            return branch;
        });

    /// <summary>
    /// A copy of <paramref name="branchName"/>'s own blocks over <paramref name="newParentName"/>: how
    /// a service group's branch is refreshed onto a new edition without changing the old one.
    /// </summary>
    public LayerRecord CopyBranchOnto(string branchName, string newParentName, NewLayer name) =>
        layers.RunExclusive(() =>
        {
            layers.CheckNewName(name.Name);
            LayerRecord source = layers.Get(branchName);
            if (source.Kind != LayerKind.Branch)
            {
                throw new StoreException(StoreErrorKind.WrongKind, $"'{branchName}' is a {LayerChecks.Describe(source)}; only branches are copied onto a new parent");
            }
            LayerRecord parent = layers.RequireFrozen(newParentName, "the new parent");
            LayerChecks.CheckSameSize(source, parent);
            LayerRecord copy = name.Stamp(source with { Id = Guid.NewGuid(), ParentId = parent.Id, CreatedUtc = DateTimeOffset.UtcNow, Labels = ImmutableSortedDictionary<string, string>.Empty, Protected = false, Pinned = false });
            using (FrozenLayerWriter writer = layers.WriteFrozenLayer(copy))
            {
                layers.ReadFrozenBlocks(source, (block, data) => writer.AddData(block, data.Span), block => writer.AddZero(block, 1));
                writer.Complete();
            }
            layers.CommitNewLayer(copy);
            return copy;
        });

    /// <summary>Moves a leaf that no one has open onto another frozen layer; its own blocks stay.</summary>
    public LayerRecord ReparentLeaf(string leafName, string newParentName) =>
        layers.RunExclusive(() =>
        {
            LayerRecord leaf = layers.RequireLeaf(leafName);
            LayerRecord parent = layers.RequireFrozen(newParentName, "the new parent");
            LayerChecks.CheckSameSize(leaf, parent);
            if (layers.IsOpen(leaf))
            {
                throw new StoreException(StoreErrorKind.InUse, $"leaf '{leafName}' is in use; its parent can change only while no one has it open");
            }
            LayerRecord moved = leaf with { ParentId = parent.Id, NextBootParentId = null };
            Fault.Point("reparent-before-commit");
            layers.Commit([moved], []);
            return moved;
        });
}
