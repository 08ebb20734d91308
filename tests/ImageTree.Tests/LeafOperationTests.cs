using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Abstractions;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>Reset, clone and rename of a leaf: what each disk shows after them, across reopens and crashes, and what they refuse.</summary>
public sealed class LeafOperationTests : IDisposable
{
    private readonly TreeFixture _f = new();

    private ImageTreeService Tree => _f.Tree;

    public LeafOperationTests()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base", quotaBytes: 1L << 20);
        _f.Write("n1", 1, 0x11);
        _f.Write("n1", 2, 0x22);
        using DeviceLease lease = Tree.Layers.OpenDevice("n1");
        Assert.Equal(BlockError.None, lease.Device.WriteZeroes(4L * Blocks.Size, Blocks.Size, ZeroFlags.None)); // a zero entry masks the root's block 4
        Assert.Equal(BlockError.None, lease.Device.FlushAsync().AsTask().Result);
    }

    public void Dispose() => _f.Dispose();

    private static byte[] Expected(params (int Block, byte Value)[] changes)
    {
        byte[] view = TreeFixture.RootView();
        foreach ((int block, byte value) in changes)
        {
            view[block] = value;
        }
        return view;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_reset_leaf_reads_as_its_edition_and_keeps_its_name_and_quota(bool crash)
    {
        Assert.Equal(Expected((1, 0x11), (2, 0x22), (4, 0)), _f.View("n1"));

        LayerRecord reset = Tree.ResetLeaf("n1");
        _f.Reopen(crash);

        Assert.Equal(TreeFixture.RootView(), _f.View("n1"));
        Assert.Equal((1L << 20, "base@1"), (Tree.Resolve("n1").QuotaBytes, Tree.Describe(Tree.Resolve("n1")).Parent));
        Assert.Equal(reset.Generation, Tree.Resolve("n1").Generation);
        Assert.Single(Directory.GetFiles(Tree.Layers.LayerDirectory(reset.Id), "*.ublog"));
        _f.Write("n1", 9, 0x99);
        Assert.Equal(Expected((9, 0x99)), _f.View("n1"));
    }

    [Fact]
    public void A_clone_shows_the_same_disk_and_goes_its_own_way()
    {
        LayerRecord clone = Tree.CloneLeaf("n1", "n2");
        _f.Reopen(crash: true);

        Assert.Equal(_f.View("n1"), _f.View("n2"));
        Assert.Equal(1L << 20, Tree.Resolve("n2").QuotaBytes);
        Assert.Equal("base@1", Tree.Describe(Tree.Resolve(clone.Name)).Parent);
        _f.Write("n2", 1, 0x77);
        Assert.Equal(0x11, _f.View("n1")[1]);
        Assert.Equal(Expected((1, 0x77), (2, 0x22), (4, 0)), _f.View("n2"));
    }

    [Fact]
    public void A_renamed_leaf_keeps_its_disk_under_the_new_name()
    {
        Tree.RenameLeaf("n1", "n9");
        _f.Reopen();

        Assert.Null(Tree.TryResolve("n1"));
        Assert.Equal(Expected((1, 0x11), (2, 0x22), (4, 0)), _f.View("n9"));
        Assert.Equal(StoreErrorKind.AlreadyExists, Assert.Throws<StoreException>(() => Tree.RenameLeaf("n9", "base")).Kind);
    }

    [Fact]
    public void The_tree_space_view_sums_what_is_stored_against_full_copies_of_every_leaf()
    {
        Tree.CloneLeaf("n1", "n2");

        TreeSpace space = Tree.TreeSpace();

        Assert.Equal(["base@1", "n1", "n2"], space.Layers.Select(l => l.Name).Order(StringComparer.Ordinal));
        LayerSpace n1 = space.Layers.Single(l => l.Name == "n1");
        Assert.Equal((TreeFixture.Size, 2L * Blocks.Size, 62L * Blocks.Size), (n1.ProvisionedBytes, n1.WrittenBytes, n1.ReferencedBytes)); // 64 blocks, one hole, one zeroed
        Assert.Equal(63L * Blocks.Size, space.Layers.Single(l => l.Name == "base@1").ReferencedBytes);
        Assert.Equal(space.Layers.Sum(l => l.UsedBytes), space.UsedBytes);
        Assert.Equal((2 * TreeFixture.Size, 2 * 62L * Blocks.Size), (space.LeafProvisionedBytes, space.LeafReferencedBytes));
        Assert.Equal(space.LeafReferencedBytes - space.UsedBytes, space.SavedBytes);
    }

    [Fact]
    public void Leaves_in_use_protected_or_owned_by_a_node_are_refused_and_left_alone()
    {
        using (IDisposable attached = Tree.Attach(Tree.Resolve("n1"), "test"))
        {
            Assert.Equal(StoreErrorKind.InUse, Assert.Throws<StoreException>(() => Tree.ResetLeaf("n1")).Kind);
            Assert.Equal(StoreErrorKind.InUse, Assert.Throws<StoreException>(() => Tree.CloneLeaf("n1", "n2")).Kind);
            Assert.Equal(StoreErrorKind.InUse, Assert.Throws<StoreException>(() => Tree.RenameLeaf("n1", "n2")).Kind);
        }
        Tree.Update("n1", new LayerPatch { Protected = true });
        Assert.Equal(StoreErrorKind.Protected, Assert.Throws<StoreException>(() => Tree.ResetLeaf("n1")).Kind);
        Assert.Equal(StoreErrorKind.WrongKind, Assert.Throws<StoreException>(() => Tree.ResetLeaf("base@1")).Kind);
        NodeInfo node = Tree.RegisterNode("52:54:00:aa:00:01", "base");
        Assert.Equal(StoreErrorKind.InUse, Assert.Throws<StoreException>(() => Tree.RenameLeaf(node.Leaf, "mine")).Kind);

        Assert.Equal(Expected((1, 0x11), (2, 0x22), (4, 0)), _f.View("n1"));
        Assert.Null(Tree.TryResolve("n2"));
    }
}
