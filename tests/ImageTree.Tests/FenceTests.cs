using FsCheck;
using FsCheck.Fluent;
using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>Fences: persisted, idempotent, refused for unknown nodes, announced after they commit.</summary>
public sealed class FenceTests : IDisposable
{
    private const string Mac = "52:54:00:00:00:01";
    private const string Leaf = "node-525400000001";
    private readonly TreeFixture _f = new();

    public FenceTests()
    {
        Tree.Import("base", _f.Root, ImageFormat.Raw, null);
        Tree.RegisterNode(Mac, "base");
        Tree.RegisterNode("52:54:00:00:00:02", "base");
    }

    private ImageTreeService Tree => _f.Tree;

    public void Dispose() => _f.Dispose();

    [Fact]
    public void A_fence_names_the_node_its_leaf_and_reason_and_shows_on_the_node()
    {
        DateTimeOffset before = DateTimeOffset.UtcNow;
        Tree.Fence("52-54-00-00-00-01", "missed 3 heartbeats");
        NodeFence fence = Assert.IsType<NodeFence>(Tree.FenceOf(Mac));
        Assert.Equal((Mac, Leaf, "missed 3 heartbeats"), (fence.Mac, fence.Leaf, fence.Reason));
        Assert.InRange(fence.Since, before, DateTimeOffset.UtcNow);
        Assert.Equal(fence, Tree.FenceOfLeaf(Leaf));
        Assert.Equal([fence], Tree.Fences());
        Assert.Equal(fence, Tree.Node(Mac).Fence);
        Assert.Null(Tree.Node("52:54:00:00:00:02").Fence);
        Assert.Null(Tree.FenceOfLeaf("node-525400000002"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fence_survives_a_restart_and_so_does_its_removal(bool crash)
    {
        Tree.Fence(Mac, "partitioned");
        NodeFence fence = Tree.FenceOf(Mac)!;
        Tree.Fence("52:54:00:00:00:02", "partitioned too");
        _f.Reopen(crash);
        Assert.Equal(fence, Tree.FenceOf(Mac));
        Assert.Equal(fence, Tree.FenceOfLeaf(Leaf));
        Assert.Equal(2, Tree.Fences().Count);

        Tree.Unfence(Mac);
        _f.Reopen(crash);
        Assert.Null(Tree.FenceOf(Mac));
        Assert.Null(Tree.FenceOfLeaf(Leaf));
        Assert.Equal(["52:54:00:00:00:02"], Tree.Fences().Select(f => f.Mac));
    }

    [Fact]
    public void Fencing_twice_keeps_the_first_fence_and_announces_once()
    {
        var fenced = new List<NodeFence>();
        var unfenced = new List<NodeFence>();
        Tree.NodeFenced += fenced.Add;
        Tree.NodeUnfenced += unfenced.Add;
        Tree.Fence(Mac, "first");
        NodeFence first = Tree.FenceOf(Mac)!;
        Tree.Fence(Mac, "second");
        Assert.Equal(first, Tree.FenceOf(Mac));
        Assert.Equal([first], fenced);

        Tree.Unfence(Mac);
        Tree.Unfence(Mac);
        Assert.Null(Tree.FenceOf(Mac));
        Assert.Equal([first], unfenced);
        Assert.Equal(["node.fenced", "node.unfenced"], Tree.Events().Where(e => e.Kind.StartsWith("node.", StringComparison.Ordinal) && e.Kind.EndsWith("fenced", StringComparison.Ordinal)).Select(e => e.Kind));
    }

    [Fact]
    public void Fencing_an_unknown_node_is_refused_and_changes_nothing()
    {
        var fenced = new List<NodeFence>();
        Tree.NodeFenced += fenced.Add;
        StoreException unknown = Assert.Throws<StoreException>(() => Tree.Fence("52:54:00:00:00:99", "gone"));
        Assert.Equal(StoreErrorKind.NotFound, unknown.Kind);
        Assert.Contains("52:54:00:00:00:99", unknown.Message, StringComparison.Ordinal);
        Assert.Equal(StoreErrorKind.NotFound, Assert.Throws<StoreException>(() => Tree.Unfence("52:54:00:00:00:99")).Kind);
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => Tree.Fence("not-a-mac", "gone")).Kind);
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => Tree.Fence(Mac, "  ")).Kind);
        Assert.Equal(StoreErrorKind.InvalidArgument, Assert.Throws<StoreException>(() => Tree.Fence(Mac, "two\nlines")).Kind);
        Assert.Empty(Tree.Fences());
        Assert.Empty(fenced);
        _f.Reopen();
        Assert.Empty(Tree.Fences());
    }

    [Fact]
    public void The_events_are_raised_after_the_change_is_committed()
    {
        var seen = new List<(string Kind, NodeFence? Stored, long StoredEvents)>();
        Tree.NodeFenced += f => seen.Add(("fenced", Tree.FenceOfLeaf(f.Leaf), Tree.Events().Count(e => e.Kind == "node.fenced")));
        Tree.NodeUnfenced += f => seen.Add(("unfenced", Tree.FenceOfLeaf(f.Leaf), Tree.Events().Count(e => e.Kind == "node.unfenced")));
        Tree.Fence(Mac, "dead");
        Tree.Unfence(Mac);
        NodeFence fence = new(Mac, Leaf, "dead", seen[0].Stored!.Since);
        Assert.Equal([("fenced", fence, 1L), ("unfenced", null, 1L)], seen);
        TreeEvent stored = Tree.Events().Single(e => e.Kind == "node.fenced");
        Assert.Equal(Leaf, stored.Layer);
        Assert.Contains("dead", stored.Message, StringComparison.Ordinal);
    }

    public sealed record Op(int Kind, int Node)
    {
        public override string ToString() => $"{(Kind switch { 0 => "Fence", 1 => "Unfence", 2 => "Reopen", _ => "Crash" })}({Node})";
    }

    [Fact]
    public void Fences_follow_a_model_across_reopens_and_crashes()
    {
        Gen<Op> op = Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)))
            .SelectMany(_ => Gen.Choose(1, 2), (kind, node) => new Op(kind, node));
        Prop.ForAll(Arb.From(Gen.ListOf(op).Select(l => l.Take(20).ToArray())), ops =>
        {
            using var f = new TreeFixture();
            f.Tree.Import("base", f.Root, ImageFormat.Raw, null);
            f.Tree.RegisterNode("52:54:00:00:00:01", "base");
            f.Tree.RegisterNode("52:54:00:00:00:02", "base");
            var model = new SortedSet<string>(StringComparer.Ordinal);
            int announced = 0, changes = 0;
            void Subscribe()
            {
                f.Tree.NodeFenced += _ => announced++;
                f.Tree.NodeUnfenced += _ => announced++;
            }
            Subscribe();
            foreach (Op o in ops)
            {
                string mac = $"52:54:00:00:00:0{o.Node}";
                switch (o.Kind)
                {
                    case 0:
                        changes += model.Add(mac) ? 1 : 0;
                        f.Tree.Fence(mac, "model");
                        break;
                    case 1:
                        changes += model.Remove(mac) ? 1 : 0;
                        f.Tree.Unfence(mac);
                        break;
                    default:
                        f.Reopen(crash: o.Kind == 3);
                        Subscribe();
                        break;
                }
                Assert.Equal(model, f.Tree.Fences().Select(x => x.Mac));
                Assert.Equal(model, f.Tree.Nodes().Where(n => n.Fence is not null).Select(n => n.Mac));
                Assert.Equal(changes, announced);
            }
        }).QuickCheckThrowOnFailure();
    }
}
