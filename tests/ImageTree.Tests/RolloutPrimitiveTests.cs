using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>What a rollout asks of the tree: the conflict report of a move without making it, and a node
/// whose next boot gives it an empty leaf over its new edition.</summary>
public sealed class RolloutPrimitiveTests : IDisposable
{
    private readonly TreeFixture _f = new();

    private ImageTreeService Tree => _f.Tree;

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Conflicts_reports_what_a_refresh_would_and_moves_nothing()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("patcher", "base");
        Tree.CreateLeaf("n1", "base@1");
        _f.Write("patcher", 7, 0x70);
        _f.Write("patcher", 8, 0x80);
        Tree.Reconcile("patcher");
        _f.Write("n1", 8, 0x81);
        _f.Write("n1", 9, 0x91);
        byte[] before = _f.View("n1");

        RefreshConflicts conflicts = Tree.Conflicts("n1", "base@2");

        Assert.Equal([new ChangedExtent(8L * Blocks.Size, Blocks.Size)], conflicts.Extents);
        Assert.Equal(Blocks.Size, conflicts.Bytes);
        Assert.Equal(("base@1", "base@2"), (conflicts.From, conflicts.To));
        Assert.Equal("base@1", Tree.Describe(Tree.Resolve("n1")).Parent);
        Assert.Equal(before, _f.View("n1"));
        Assert.Empty(Tree.Conflicts("n1", "base@1").Extents); // already there
        Assert.Equal(Tree.Refresh("n1", "base@2", atNextBoot: false).Conflicts, conflicts.Extents);
    }

    [Fact]
    public void A_reset_at_next_boot_gives_the_node_an_empty_leaf_over_its_new_edition_and_keeps_its_quota()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("patcher", "base");
        _f.Write("patcher", 7, 0x70);
        Tree.Reconcile("patcher");
        BootPlan first = Tree.BootNode("52:54:00:00:00:09", "base@1");
        Tree.Update(first.Leaf, new LayerPatch { QuotaBytes = 2 * TreeFixture.Size });
        _f.Write(first.Leaf, 5, 0x55);
        Tree.SetNode("52:54:00:00:00:09", "base@2", null);
        Tree.ResetLeafAtNextBoot("52:54:00:00:00:09");
        Assert.True(Tree.Node("52:54:00:00:00:09").ResetLeafAtNextBoot);
        Assert.Equal(0x55, _f.View(first.Leaf)[5]); // nothing is lost before the boot

        BootPlan second = Tree.BootNode("52:54:00:00:00:09", "base@1");

        Assert.Equal("base@2", second.MovedTo);
        byte[] view = _f.View(first.Leaf);
        Assert.Equal(TreeFixture.RootValue(5), view[5]);   // its own write is gone
        Assert.Equal(0x70, view[7]);                       // the new edition shows
        Assert.Equal(0, Tree.Space(first.Leaf).WrittenBytes);
        Assert.Equal(2 * TreeFixture.Size, Tree.Resolve(first.Leaf).QuotaBytes);
        Assert.False(Tree.Node("52:54:00:00:00:09").ResetLeafAtNextBoot);
        _f.Write(first.Leaf, 6, 0x66);
        Tree.BootNode("52:54:00:00:00:09", "base@1"); // later boots keep the leaf again
        Assert.Equal(0x66, _f.View(first.Leaf)[6]);
    }

    [Fact]
    public void A_boot_that_must_move_the_leaf_ends_the_previous_boots_connection_first_and_one_that_need_not_leaves_it()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("patcher", "base");
        _f.Write("patcher", 7, 0x70);
        Tree.Reconcile("patcher");
        BootPlan first = Tree.BootNode("52:54:00:00:00:0b", "base@1");
        UnionBlock.Store.DeviceLease? previousBoot = Tree.Layers.OpenDevice(first.Leaf); // the old kernel's connection
        var asked = new List<string>();
        Tree.EarlierBootHoldsLeaf += leaf =>
        {
            asked.Add(leaf);
            Interlocked.Exchange(ref previousBoot, null)?.Dispose(); // the host ends it
        };

        Tree.BootNode("52:54:00:00:00:0b", "base@1"); // nothing to move: the connection is left alone
        Assert.Empty(asked);
        Tree.SetNode("52:54:00:00:00:0b", "base@2", null);
        BootPlan moved = Tree.BootNode("52:54:00:00:00:0b", "base@1");

        Assert.Equal([first.Leaf], asked);
        Assert.Equal("base@2", moved.MovedTo);
        Assert.Equal(0x70, _f.View(first.Leaf)[7]);
    }

    [Fact]
    public void A_protected_leaf_is_never_reset()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        BootPlan boot = Tree.BootNode("52:54:00:00:00:0a", "base");
        Tree.Update(boot.Leaf, new LayerPatch { Protected = true });

        StoreException refused = Assert.Throws<StoreException>(() => Tree.ResetLeafAtNextBoot("52:54:00:00:00:0a"));

        Assert.Equal(StoreErrorKind.Protected, refused.Kind);
    }
}
