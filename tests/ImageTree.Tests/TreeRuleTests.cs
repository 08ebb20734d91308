using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>
/// The tree rules of docs/invariants.md, each with the defect that showed it was missing: a refusal
/// names the rule's kind, and the tree is left exactly as it was.
/// </summary>
public sealed class TreeRuleTests : IDisposable
{
    private readonly TreeFixture _f = new();

    private ImageTreeService Tree => _f.Tree;

    public void Dispose() => _f.Dispose();

    /// <summary>base@1 (the root) and base@2, a delta changing block 5 to <paramref name="value"/>.</summary>
    private void TwoBaseEditions(byte value = 0xB2)
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        ImportDelta("base@1", 5, value);
    }

    private ImportResult ImportDelta(string over, int block, byte value, bool allowEmpty = false)
    {
        string patched = Path.Combine(_f.Directory.FullName, $"patched-{Guid.NewGuid():N}.img");
        File.WriteAllBytes(patched, [.. _f.View(over).SelectMany(TreeFixture.Fill)]);
        using (var file = File.OpenHandle(patched, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.Write(file, TreeFixture.Fill(value), (long)block * Blocks.Size);
        }
        return Tree.Import("base", patched, ImageFormat.Raw, over, allowEmpty: allowEmpty);
    }

    private string[] Names() => [.. Tree.List().Select(l => l.Name).Order(StringComparer.Ordinal)];

    private static void Refused(StoreErrorKind kind, Action action) => Assert.Equal(kind, Assert.Throws<StoreException>(action).Kind);

    [Fact]
    public void Reconciling_a_leaf_on_an_older_edition_is_refused_and_latest_keeps_the_newer_patch()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base@1");
        _f.Write("n1", 9, 0x99);
        ImportDelta("base@1", 5, 0xB2);
        string[] before = Names();

        StoreException refused = Assert.Throws<StoreException>(() => Tree.Reconcile("n1"));

        Assert.Equal(StoreErrorKind.OutOfLine, refused.Kind);
        Assert.Contains("latest edition of 'base' is 'base@2'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, Names());
        Assert.Equal("base@2", Tree.LatestEdition("base")!.Name);
        Assert.Equal(0xB2, _f.View("base")[5]);
        Assert.Equal(0x99, _f.View("n1")[9]);

        Tree.Refresh("n1", null, atNextBoot: false);
        Assert.Equal("base@3", Tree.Reconcile("n1").Name);
        Assert.Equal((byte)0xB2, _f.View("base")[5]);
        Assert.Equal((byte)0x99, _f.View("base")[9]);
    }

    [Fact]
    public void Freezing_beside_the_latest_edition_is_refused_but_a_new_lineage_takes_it()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("a", "base");
        Tree.CreateLeaf("b", "base");
        _f.Write("a", 1, 0x11);
        _f.Write("b", 2, 0x22);
        Assert.Equal("web@1", Tree.Freeze("a", "web").Name);

        Refused(StoreErrorKind.OutOfLine, () => Tree.Freeze("b", "web"));
        Assert.Equal(0x11, _f.View("web")[1]);

        Assert.Equal("db@1", Tree.Freeze("b", "db").Name);
    }

    [Fact]
    public void Refresh_moves_forward_only_unless_a_downgrade_is_asked_for()
    {
        TwoBaseEditions();
        Tree.CreateLeaf("n1", "base@2");

        Refused(StoreErrorKind.OutOfLine, () => Tree.Refresh("n1", "base@1", atNextBoot: false));
        Assert.Equal("base@2", Tree.Describe(Tree.Resolve("n1")).Parent);

        RefreshResult back = Tree.Refresh("n1", "base@1", atNextBoot: false, new RefreshOptions { AllowDowngrade = true });
        Assert.Equal(("base@2", "base@1"), (back.From, back.To));
        Assert.Equal(TreeFixture.RootValue(5), _f.View("n1")[5]);
    }

    [Fact]
    public void Refresh_onto_another_lineage_needs_asking_and_a_shared_root()
    {
        TwoBaseEditions();
        Tree.CreateLeaf("n1", "base@2");
        Tree.CreateBranch("web", "base@2");
        string other = Path.Combine(_f.Directory.FullName, "other.img");
        File.Copy(_f.Root, other);
        Tree.Import("other", other, ImageFormat.Raw, null);

        Refused(StoreErrorKind.OutOfLine, () => Tree.Refresh("n1", "web@1", atNextBoot: false));
        Refused(StoreErrorKind.OutOfLine, () => Tree.Refresh("n1", "other@1", atNextBoot: false));
        StoreException unrelated = Assert.Throws<StoreException>(() => Tree.Refresh("n1", "other@1", atNextBoot: false, new RefreshOptions { OtherLineage = true }));
        Assert.Contains("different roots", unrelated.Message, StringComparison.Ordinal);
        Assert.Equal("base@2", Tree.Describe(Tree.Resolve("n1")).Parent);

        Assert.Equal("web@1", Tree.Refresh("n1", "web@1", atNextBoot: false, new RefreshOptions { OtherLineage = true }).To);
    }

    [Fact]
    public void Leaf_refresh_takes_leaves_and_branch_refresh_branches()
    {
        TwoBaseEditions();
        Tree.CreateBranch("web", "base@1");
        Tree.CreateLeaf("n1", "web@1");

        Refused(StoreErrorKind.WrongKind, () => Tree.Refresh("web@1", "base@2", atNextBoot: false, new RefreshOptions { Kind = LayerKind.Leaf }));
        Refused(StoreErrorKind.WrongKind, () => Tree.Refresh("n1", null, atNextBoot: false, new RefreshOptions { Kind = LayerKind.Branch }));

        Assert.Equal("web@2", Tree.Refresh("web@1", "base@2", atNextBoot: false, new RefreshOptions { Kind = LayerKind.Branch }).Layer);
        Assert.Equal("web@2", Tree.Refresh("n1", null, atNextBoot: false, new RefreshOptions { Kind = LayerKind.Leaf }).To);
    }

    [Fact]
    public void Only_a_lineages_latest_branch_is_refreshed_and_a_lineage_is_created_once()
    {
        TwoBaseEditions();
        Tree.CreateBranch("web", "base@1");
        Tree.CreateLeaf("n1", "web@1");
        _f.Write("n1", 7, 0x77);
        Tree.Reconcile("n1"); // web@2 over web@1

        Refused(StoreErrorKind.OutOfLine, () => Tree.Refresh("web@1", "base@2", atNextBoot: false));
        StoreException again = Assert.Throws<StoreException>(() => Tree.CreateBranch("web", "base@2"));
        Assert.Equal(StoreErrorKind.AlreadyExists, again.Kind);
        Assert.Contains("ubd branch refresh web@2", again.Message, StringComparison.Ordinal);
        Assert.Equal("web@2", Tree.LatestEdition("web")!.Name);
    }

    [Fact]
    public void Edition_numbers_are_never_given_twice_even_across_a_reopen()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base");
        for (int i = 0; i < 3; i++)
        {
            _f.Write("n1", 10 + i, 0x40);
            Tree.Freeze("n1", "web"); // web@1, web@2, web@3, each over the one before
        }
        Tree.Delete("n1", recursive: false);
        Tree.Delete("web@3", recursive: false);
        Tree.Delete("web@2", recursive: false);
        _f.Reopen();
        Tree.CreateLeaf("n2", "web");
        _f.Write("n2", 20, 0x41);

        Assert.Equal("web@4", Tree.Freeze("n2", "web").Name);
        Tree.Delete("n2", recursive: false);
        Tree.Delete("web", recursive: true, allEditions: true);
        _f.Reopen(crash: true);
        Tree.CreateLeaf("n3", "base");
        _f.Write("n3", 21, 0x42);
        Assert.Equal("web@5", Tree.Freeze("n3", "web").Name);
    }

    [Fact]
    public void A_lineage_is_deleted_only_by_asking_for_all_its_editions_and_a_dry_run_deletes_nothing()
    {
        TwoBaseEditions();
        Tree.CreateLeaf("n1", "base@2");
        string[] before = Names();

        StoreException refused = Assert.Throws<StoreException>(() => Tree.Delete("base", recursive: true));
        Assert.Contains("base@1, base@2", refused.Message, StringComparison.Ordinal);
        Refused(StoreErrorKind.InUse, () => Tree.Delete("base", recursive: false, allEditions: true));
        Refused(StoreErrorKind.InvalidArgument, () => Tree.Delete("base@2", recursive: true, allEditions: true));

        DeleteResult dry = Tree.Delete("base", recursive: true, allEditions: true, dryRun: true);
        Assert.True(dry.DryRun);
        Assert.Equal(["base@1", "base@2", "n1"], dry.Deleted.Order(StringComparer.Ordinal));
        Assert.True(dry.FreedBytes > 0);
        Assert.Equal(before, Names());
        Assert.DoesNotContain(Tree.Events(0), e => e.Kind == "layer.deleted");

        DeleteResult done = Tree.Delete("base", recursive: true, allEditions: true);
        Assert.Equal(dry.Deleted, done.Deleted);
        Assert.Empty(Names());
    }

    [Fact]
    public void A_refresh_that_would_cross_the_leafs_hard_quota_is_refused()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base@1", quotaBytes: 63L * Blocks.Size); // the root references 63 blocks (block 3 is a hole)
        ImportDelta("base@1", 3, 0x33); // base@2 fills the hole

        StoreException refused = Assert.Throws<StoreException>(() => Tree.Refresh("n1", null, atNextBoot: false));

        Assert.Equal(StoreErrorKind.OverQuota, refused.Kind);
        Assert.Contains($"{64L * Blocks.Size} bytes", refused.Message, StringComparison.Ordinal);
        Assert.Equal("base@1", Tree.Describe(Tree.Resolve("n1")).Parent);
        Tree.Update("n1", new LayerPatch { QuotaBytes = 64L * Blocks.Size });
        Assert.Equal("base@2", Tree.Refresh("n1", null, atNextBoot: false).To);
    }

    [Fact]
    public void Nothing_publishes_an_empty_edition_unless_asked()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base");
        Tree.CreateLeaf("n2", "base");
        _f.Write("n1", 1, 0x11);
        _f.Write("n2", 2, 0x22);
        string[] before = Names();

        Refused(StoreErrorKind.Empty, () => Tree.Hoist("base@1", 50));
        Refused(StoreErrorKind.Empty, () => ImportDelta("base@1", 5, TreeFixture.RootValue(5)));
        Tree.CreateLeaf("idle", "base");
        Refused(StoreErrorKind.Empty, () => Tree.Reconcile("idle"));
        Refused(StoreErrorKind.Empty, () => Tree.Freeze("idle", "web"));

        Assert.Equal([.. before.Append("idle").Order(StringComparer.Ordinal)], Names());
        Assert.Equal("base@1", Tree.Describe(Tree.Resolve("n1")).Parent);
        Assert.Equal(0x11, _f.View("n1")[1]);
        Assert.Equal(Tree.Layers.Layers.Count, Directory.GetDirectories(Path.Combine(_f.DataDirectory, "layers")).Length);

        Assert.Equal("base@2", ImportDelta("base@1", 5, TreeFixture.RootValue(5), allowEmpty: true).Layer.Name);
        Assert.Equal("spare@1", Tree.Freeze("idle", "spare", allowEmpty: true).Name);
    }

    [Fact]
    public void A_dry_run_refresh_reports_the_move_and_its_conflicts_and_moves_nothing()
    {
        TwoBaseEditions();
        Tree.CreateLeaf("n1", "base@1");
        _f.Write("n1", 5, 0x55); // base@2 changes block 5 too
        long events = Tree.Events(0).Count;

        RefreshResult dry = Tree.Refresh("n1", null, atNextBoot: false, new RefreshOptions { DryRun = true });

        Assert.True(dry.DryRun);
        Assert.Equal(("n1", "base@1", "base@2", (long)Blocks.Size), (dry.Layer, dry.From, dry.To, dry.ConflictBytes));
        Assert.Equal("base@1", Tree.Describe(Tree.Resolve("n1")).Parent);
        Assert.Equal(events, Tree.Events(0).Count);
    }

    [Fact]
    public void Dry_runs_of_freeze_reconcile_hoist_and_flatten_report_what_the_operation_then_does_and_change_nothing()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.CreateLeaf("n1", "base");
        Tree.CreateLeaf("n2", "base");
        _f.Write("n1", 1, 0x11);
        _f.Write("n2", 1, 0x11);
        _f.Write("n2", 2, 0x22);
        string[] before = Names();
        byte[] n2 = _f.View("n2");
        long events = Tree.Events(0).Count;

        DryRunReport hoist = Tree.PreviewHoist("base@1", 100);
        DryRunReport reconcile = Tree.PreviewReconcile("n2");
        DryRunReport freeze = Tree.PreviewFreeze("n2", "web");
        DryRunReport flatten = Tree.PreviewFlatten("n2", null);

        Assert.Equal(("base@2", "base@1", 1L), (hoist.Publishes, hoist.Over, hoist.Blocks));
        Assert.Equal(["n1", "n2"], hoist.Moves);
        Assert.Equal(("base@2", 2L, 2L * Blocks.Size), (reconcile.Publishes, reconcile.Blocks, reconcile.Bytes));
        Assert.Equal("web@1", freeze.Publishes);
        Assert.Equal(("n2.base", 63L), (flatten.Publishes, flatten.Blocks));
        Assert.Equal(before, Names());
        Assert.Equal(n2, _f.View("n2"));
        Assert.Equal(events, Tree.Events(0).Count);

        HoistResult done = Tree.Hoist("base@1", 100);
        Assert.Equal((hoist.Publishes, hoist.Blocks), (done.Branch.Name, (long)done.HoistedBlocks));
        Assert.Equal("base@3", Tree.Reconcile("n2").Name); // the preview's base@2 went to the hoist: numbers move on
        Tree.CreateLeaf("idle", "base");
        Refused(StoreErrorKind.Empty, () => Tree.PreviewFreeze("idle", "spare")); // the same rules as the operation
    }
}
