using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Abstractions;
using UnionBlock.Store;

namespace ImageTree.Tests;

public sealed class TreeOperationTests : IDisposable
{
    private readonly TreeFixture _f = new();

    private ImageTreeService Tree => _f.Tree;

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Delta_import_stores_only_the_blocks_that_differ()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        string patched = Path.Combine(_f.Directory.FullName, "patched.img");
        File.Copy(_f.Root, patched);
        using (var file = File.OpenHandle(patched, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.Write(file, TreeFixture.Fill(0xEE), 5L * Blocks.Size);
            RandomAccess.Write(file, new byte[Blocks.Size], 6L * Blocks.Size); // data became zeros
        }
        ImportResult delta = Tree.Import("base", patched, ImageFormat.Raw, "base@1");
        Assert.Equal("base@2", delta.Layer.Name);
        Assert.Equal(LayerKind.Branch, delta.Layer.Kind);
        Assert.Equal(Blocks.Size, delta.StoredBytes);
        byte[] expected = TreeFixture.RootView();
        expected[5] = 0xEE;
        expected[6] = 0;
        Assert.Equal(expected, _f.View("base"));
        Assert.Equal(TreeFixture.RootView(), _f.View("base@1"));
        DiffResult diff = Tree.Diff("base@1", "base@2");
        Assert.Equal([new ChangedExtent(5L * Blocks.Size, 2L * Blocks.Size)], diff.Extents);
    }

    [Fact]
    public void Freezing_an_attached_leaf_keeps_the_node_running_on_the_same_disk()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base");
        using IDisposable attached = Tree.Attach(Tree.Resolve("n1"), "test");
        using DeviceLease lease = Tree.Layers.OpenDevice("n1");
        _f.Write("n1", 1, 0x11);
        LayerRecord web = Tree.Freeze("n1", "web");
        Assert.Equal("web@1", web.Name);
        _f.Write("n1", 2, 0x22);
        byte[] view = _f.View("n1");
        Assert.Equal(0x11, view[1]);
        Assert.Equal(0x22, view[2]);
        Assert.Equal(0x11, _f.View("web@1")[1]);
        Assert.Equal(TreeFixture.RootValue(2), _f.View("web@1")[2]);
        Assert.Equal("web@1", Tree.Describe(Tree.Resolve("n1")).Parent);
    }

    [Fact]
    public void Refresh_moves_a_leaf_and_reports_blocks_both_sides_changed()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("patcher", "base");
        Tree.CreateLeaf("n1", "base@1");
        _f.Write("patcher", 7, 0x70);
        _f.Write("patcher", 8, 0x80);
        Tree.Reconcile("patcher");
        _f.Write("n1", 8, 0x81);
        _f.Write("n1", 9, 0x91);
        RefreshResult result = Tree.Refresh("n1", null, atNextBoot: false);
        Assert.Equal("base@2", result.To);
        Assert.Equal([new ChangedExtent(8L * Blocks.Size, Blocks.Size)], result.Conflicts);
        byte[] view = _f.View("n1");
        Assert.Equal(0x70, view[7]);   // the new edition's change shows through
        Assert.Equal(0x81, view[8]);   // the leaf's own block wins the conflict
        Assert.Equal(0x91, view[9]);
    }

    [Fact]
    public void Refresh_of_an_attached_leaf_waits_for_the_next_boot_when_asked()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("patcher", "base");
        Tree.CreateLeaf("n1", "base");
        _f.Write("patcher", 7, 0x70);
        Tree.Reconcile("patcher");
        IDisposable attachment = Tree.Attach(Tree.Resolve("n1"), "node-1");
        StoreException refused = Assert.Throws<StoreException>(() => Tree.Refresh("n1", null, atNextBoot: false));
        Assert.Equal(StoreErrorKind.InUse, refused.Kind);
        Assert.Contains("--at-next-boot", refused.Message, StringComparison.Ordinal);
        RefreshResult pending = Tree.Refresh("n1", null, atNextBoot: true);
        Assert.True(pending.AtNextBoot);
        Assert.Equal(TreeFixture.RootValue(7), _f.View("n1")[7]);
        attachment.Dispose(); // the node shuts down
        using (Tree.Attach(Tree.Resolve("n1"), "node-1")) // and boots again
        {
            Assert.Equal(0x70, _f.View("n1")[7]);
            Assert.Equal("base@2", Tree.Describe(Tree.Resolve("n1")).Parent);
        }
    }

    [Fact]
    public void A_branch_refresh_publishes_a_new_edition_and_leaves_the_old_one_alone()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("setup", "base");
        _f.Write("setup", 10, 0xAA);
        Tree.Freeze("setup", "web");
        Tree.CreateLeaf("patcher", "base");
        _f.Write("patcher", 11, 0xBB);
        Tree.Reconcile("patcher");
        RefreshResult result = Tree.Refresh("web@1", "base@2", atNextBoot: false);
        Assert.Equal("web@2", result.Layer);
        Assert.Equal(TreeFixture.RootValue(11), _f.View("web@1")[11]);
        byte[] web2 = _f.View("web@2");
        Assert.Equal(0xAA, web2[10]);
        Assert.Equal(0xBB, web2[11]);
    }

    [Fact]
    public void Refresh_onto_a_layer_built_on_itself_is_refused_as_a_cycle()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateBranch("web", "base");
        Tree.CreateBranch("app", "web@1");
        StoreException error = Assert.Throws<StoreException>(() => Tree.Refresh("web@1", "app@1", false));
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flatten_keeps_every_view_and_lets_the_ancestors_go()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("w", "base");
        _f.Write("w", 1, 0x10);
        Tree.Freeze("w", "web");
        Tree.CreateLeaf("n1", "web@1");
        _f.Write("n1", 2, 0x20);
        byte[] web = _f.View("web@1");
        byte[] n1 = _f.View("n1");
        FlattenResult flat = Tree.Flatten("web@1", null);
        Assert.Equal(LayerKind.Root, flat.Layer.Kind);
        Assert.Equal(web, _f.View("web@1"));
        Assert.Equal(n1, _f.View("n1"));
        FlattenResult detached = Tree.Flatten("n1", "n1-base");
        Assert.Equal("n1-base", detached.NewBase!.Name);
        Tree.Delete("w", recursive: false);
        Tree.Delete("base@1", recursive: false);
        Assert.Equal(n1, _f.View("n1"));
        _f.Reopen();
        Assert.Equal(n1, _f.View("n1"));
        Assert.Equal(web, _f.View("web@1"));
    }

    [Fact]
    public void Hoisting_shared_blocks_shrinks_leaves_and_changes_no_disk()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        for (int n = 0; n < 4; n++)
        {
            Tree.CreateLeaf($"n{n}", "base");
            _f.Write($"n{n}", 20, 0x55);                 // everyone
            _f.Write($"n{n}", 30 + n, (byte)(0x60 + n)); // only this node
            if (n < 3)
            {
                _f.Write($"n{n}", 21, 0x66);             // three of four
            }
        }
        _f.Write("n3", 21, 0x99);                        // the fourth differs
        Tree.CreateLeaf("n4", "base");                   // a fifth wrote nothing: must keep seeing base@1
        byte[][] before = [.. Enumerable.Range(0, 5).Select(n => _f.View($"n{n}"))];
        HoistResult result = Tree.Hoist("base@1", 60);
        Assert.Equal("base@2", result.Branch.Name);
        Assert.Equal(2, result.HoistedBlocks);
        Assert.Equal(12L * Blocks.Size, result.LeafBytesBefore);
        Assert.Equal(7L * Blocks.Size, result.LeafBytesAfter); // n4 now holds base@1's two blocks
        for (int n = 0; n < 5; n++)
        {
            Assert.Equal(before[n], _f.View($"n{n}"));
            Assert.Equal("base@2", Tree.Describe(Tree.Resolve($"n{n}")).Parent);
        }
        _f.Reopen(crash: true);
        for (int n = 0; n < 5; n++)
        {
            Assert.Equal(before[n], _f.View($"n{n}"));
        }
    }

    [Fact]
    public void Delete_respects_children_attachments_and_protection_and_frees_space()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base");
        _f.Write("n1", 1, 1);
        Assert.Equal(StoreErrorKind.InUse, Assert.Throws<StoreException>(() => Tree.Delete("base@1", false)).Kind);
        IDisposable attached = Tree.Attach(Tree.Resolve("n1"), "node");
        Assert.Equal(StoreErrorKind.InUse, Assert.Throws<StoreException>(() => Tree.Delete("n1", false)).Kind);
        attached.Dispose();
        Tree.Update("base@1", new LayerPatch { Protected = true });
        Assert.Equal(StoreErrorKind.Protected, Assert.Throws<StoreException>(() => Tree.Delete("base@1", true)).Kind);
        Assert.NotNull(Tree.Layers.Find("n1"));
        Tree.Update("base@1", new LayerPatch { Protected = false });
        DeleteResult deleted = Tree.Delete("base@1", recursive: true);
        Assert.Equal(["n1", "base@1"], deleted.Deleted);
        Assert.True(deleted.FreedBytes > 0);
        Assert.Empty(Tree.Layers.Layers);
        Assert.Empty(System.IO.Directory.EnumerateDirectories(Path.Combine(_f.DataDirectory, "layers")));
    }

    [Fact]
    public void Hard_quota_refuses_new_allocation_with_ENOSPC_but_never_copy_on_write()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        const long Referenced = 63L * Blocks.Size; // every root block but the hole (block 3)
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => Tree.CreateLeaf("small", "base", Referenced - 1)).Kind);
        var events = new List<TreeEvent>();
        Tree.EventPublished += events.Add;
        Tree.CreateLeaf("n1", "base", quotaBytes: Referenced, softQuotaBytes: Referenced - Blocks.Size);
        using DeviceLease lease = Tree.Layers.OpenDevice("n1");
        // Copy-on-write of a block the base holds never fails (NBD: HOLE clear means no ENOSPC).
        for (int b = 0; b < TreeFixture.BlockCount; b++)
        {
            if (b != 3)
            {
                Assert.Equal(BlockError.None, lease.Device.Write((long)b * Blocks.Size, new(TreeFixture.Fill(9))));
            }
        }
        Assert.Equal(BlockError.NoSpace, lease.Device.Write(3L * Blocks.Size, new(TreeFixture.Fill(7))));  // the hole: over
        Assert.Contains(events, e => e.Kind == "quota.hard-reached");
        Assert.Equal(BlockError.None, lease.Device.Trim(10L * Blocks.Size, 2L * Blocks.Size));           // 61 referenced
        Assert.Equal(BlockError.None, lease.Device.Write(10L * Blocks.Size, new(TreeFixture.Fill(7))));  // 62
        Assert.DoesNotContain(events, e => e.Kind == "quota.soft-exceeded");
        Assert.Equal(BlockError.None, lease.Device.Write(3L * Blocks.Size, new(TreeFixture.Fill(7))));   // 63: above soft
        Assert.Contains(events, e => e.Kind == "quota.soft-exceeded");
        Assert.Equal(BlockError.NoSpace, lease.Device.Write(11L * Blocks.Size, new(TreeFixture.Fill(7)))); // 64: over hard
        byte[] view = _f.View("n1");
        Assert.Equal(7, view[3]);
        Assert.Equal(0, view[11]);   // the refused write changed nothing
        Assert.Equal(9, view[12]);
    }

    [Fact]
    public void Space_is_accounted_as_zfs_does()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base");
        _f.Write("n1", 3, 1);  // over the root's hole
        _f.Write("n1", 4, 1);  // over root data
        SpaceReport leaf = Tree.Space("n1");
        Assert.Equal(2L * Blocks.Size, leaf.WrittenBytes);
        Assert.Equal(64L * Blocks.Size, leaf.ReferencedBytes);
        Assert.True(leaf.UniqueBytes >= 2L * Blocks.Size);
        SpaceReport root = Tree.Space("base");
        Assert.Equal(63L * Blocks.Size, root.WrittenBytes);
        Assert.Equal(leaf.UniqueBytes, root.UsedByChildrenBytes);
    }

    [Fact]
    public void Editions_labels_and_lineage_names_resolve()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.Import("base", _f.Root, ImageFormat.Raw, "base", allowEmpty: true);
        Assert.Equal("base@2", Tree.Resolve("base").Name);
        Tree.Update("base@1", new LayerPatch { Labels = new Dictionary<string, string?> { ["channel"] = "stable" } });
        Assert.Equal(["base@1"], Tree.List(label: "channel=stable").Select(l => l.Name));
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => Tree.CreateBranch("web@1", "base")).Kind);
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => Tree.CreateLeaf("../etc", "base")).Kind);
        Assert.Equal(StoreErrorKind.NotFound, Assert.Throws<StoreException>(() => Tree.CreateLeaf("n", "nope")).Kind);
        Assert.Equal(["base@1", "base@2"], Tree.Lineages().Single().Editions);
    }

    [Fact]
    public void Tokens_are_stored_hashed_and_authenticate_with_their_role()
    {
        string token = Tree.CreateToken("ops", TokenRole.Operator);
        Assert.Equal(TokenRole.Operator, Tree.Authenticate(token)!.Role);
        Assert.Null(Tree.Authenticate(token + "x"));
        _f.Reopen();
        Assert.Equal("ops", Tree.Authenticate(token)!.Name);
        byte[] everything = [.. System.IO.Directory.EnumerateFiles(Path.Combine(_f.DataDirectory, "meta")).SelectMany(File.ReadAllBytes)];
        Assert.Equal(-1, everything.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token)));
    }

    [Fact]
    public void A_booting_node_registers_once_and_its_byte_counts_survive_a_restart()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        BootPlan first = Tree.BootNode("52-54-00-00-00-07", "base");
        Assert.True(first.Registered);
        Assert.Equal("node-525400000007", first.Leaf);
        _f.Write(first.Leaf, 5, 0x55);
        _f.View(first.Leaf);
        BootPlan again = Tree.BootNode("52:54:00:00:00:07", "base");
        Assert.False(again.Registered);
        Assert.Equal(2, again.Boot);
        NodeInfo before = Assert.Single(Tree.Nodes());
        Assert.Equal(Blocks.Size, before.BytesWritten);
        Assert.True(before.BytesReadFromShared > 0);
        _f.Reopen();
        NodeInfo after = Assert.Single(Tree.Nodes());
        Assert.Equal(before.BytesWritten, after.BytesWritten);
        Assert.Equal(before.BytesRead, after.BytesRead);
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => Tree.BootNode("zz:54:00:00:00:07", "base")).Kind);
    }
}
