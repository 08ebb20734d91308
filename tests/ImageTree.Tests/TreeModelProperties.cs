using FsCheck;
using FsCheck.Fluent;
using ImageTree.Operations;
using ImageTree.Tree;
using UnionBlock.Store;

namespace ImageTree.Tests;

/// <summary>
/// Random sequences of tree operations interleaved with writes, checked after every step against a
/// model a few lines long: a frozen layer is a fixed array of block values; a leaf is its parent plus
/// the blocks it holds itself. Every leaf must show the model's disk, every frozen layer the disk it
/// had when it was made, whatever came between (freezes, reconciles, hoists, refreshes, flattens,
/// deletes, reopens and crashes). The model also keeps the tree rules of docs/invariants.md: it
/// predicts which operations are refused (an edition published beside its lineage's latest, an empty
/// edition, a refresh backwards or onto another lineage without asking, or onto another root), a
/// refusal must leave every disk as it was, and no edition name is ever given twice.
/// </summary>
public sealed class TreeModelProperties
{
    /// <summary>An operation, its operands still to be taken modulo what exists at that step.</summary>
    public sealed record Op(int Kind, int A, int B, byte Value)
    {
        public override string ToString() => $"{(Kinds)Kind}({A},{B},{Value})";
    }

    public enum Kinds
    {
        Write,
        CreateLeaf,
        Freeze,
        Reconcile,
        Refresh,
        FlattenFrozen,
        Hoist,
        DeleteLeaf,
        Reopen,
        Crash,
    }

    private sealed class Model
    {
        public Dictionary<string, byte[]> Frozen { get; } = [];

        /// <summary>Each frozen layer's parent (null for a root: the import, or a flattened layer).</summary>
        public Dictionary<string, string?> FrozenParent { get; } = [];

        public HashSet<string> EverPublished { get; } = [];

        public static string LineageOf(string edition) => edition[..edition.IndexOf('@', StringComparison.Ordinal)];

        public static int NumberOf(string edition) => int.Parse(edition[(edition.IndexOf('@', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        public string? Latest(string lineage) => Frozen.Keys.Where(k => LineageOf(k) == lineage).MaxBy(NumberOf);

        public string RootOf(string frozen) => FrozenParent[frozen] is { } parent ? RootOf(parent) : frozen;

        public SortedDictionary<string, (string Parent, SortedDictionary<int, byte> Own)> Leaves { get; } = new(StringComparer.Ordinal);

        public byte[] ViewOf(string leaf)
        {
            (string parent, SortedDictionary<int, byte> own) = Leaves[leaf];
            byte[] view = (byte[])Frozen[parent].Clone();
            foreach ((int block, byte value) in own)
            {
                view[block] = value;
            }
            return view;
        }
    }

    private static Gen<Op> OpGen() =>
        Gen.Frequency(
            (14, Gen.Constant(Kinds.Write)),
            (6, Gen.Constant(Kinds.CreateLeaf)),
            (2, Gen.Constant(Kinds.Freeze)),
            (2, Gen.Constant(Kinds.Reconcile)),
            (3, Gen.Constant(Kinds.Refresh)),
            (1, Gen.Constant(Kinds.FlattenFrozen)),
            (3, Gen.Constant(Kinds.Hoist)),
            (1, Gen.Constant(Kinds.DeleteLeaf)),
            (1, Gen.Constant(Kinds.Reopen)),
            (1, Gen.Constant(Kinds.Crash)))
        .SelectMany(kind => Gen.Choose(0, 1000), (kind, a) => (kind, a))
        .SelectMany(t => Gen.Choose(0, 7), (t, b) => (t.kind, t.a, b: b * 5)) // few blocks, so leaves collide and hoists happen
        .SelectMany(t => Gen.Choose(1, 2), (t, v) => new Op((int)t.kind, t.a, t.b, (byte)(v * 40)));

    [Fact]
    public void Every_leaf_matches_the_model_and_frozen_layers_never_change()
    {
        Prop.ForAll(Arb.From(Gen.ListOf(OpGen()).Select(l => l.Take(40).ToArray())), Run)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    private static void Run(Op[] ops)
    {
        using var f = new TreeFixture();
        var model = new Model();
        var editions = new Dictionary<string, int>();
        f.Tree.Import("base", f.Root, ImageFormat.Raw, null);
        model.Frozen["base@1"] = TreeFixture.RootView();
        model.FrozenParent["base@1"] = null;
        model.EverPublished.Add("base@1");
        editions["base"] = 1;
        int leafCounter = 0;
        f.Tree.CreateLeaf("n0", "base@1");
        model.Leaves["n0"] = ("base@1", new SortedDictionary<int, byte>());
        foreach (Op op in ops)
        {
            string[] leaves = [.. model.Leaves.Keys];
            string[] frozen = [.. model.Frozen.Keys.Order(StringComparer.Ordinal)];
            string? leaf = leaves.Length == 0 ? null : leaves[op.A % leaves.Length];
            string someFrozen = frozen[op.A % frozen.Length];
            switch ((Kinds)op.Kind)
            {
                case Kinds.Write when leaf is not null:
                    f.Write(leaf, op.B, op.Value);
                    model.Leaves[leaf].Own[op.B] = op.Value;
                    break;
                case Kinds.CreateLeaf:
                    string name = $"n{++leafCounter}";
                    f.Tree.CreateLeaf(name, someFrozen);
                    model.Leaves[name] = (someFrozen, new SortedDictionary<int, byte>());
                    break;
                case Kinds.Freeze when leaf is not null:
                    FreezeInto("g", () => f.Tree.Freeze(leaf, "g"), leaf);
                    break;
                case Kinds.Reconcile when leaf is not null:
                    FreezeInto(Model.LineageOf(model.Leaves[leaf].Parent), () => f.Tree.Reconcile(leaf), leaf);
                    break;
                case Kinds.Refresh when leaf is not null:
                    string target = frozen[op.B % frozen.Length];
                    string from = model.Leaves[leaf].Parent;
                    if (target == from)
                    {
                        break;
                    }
                    bool asked = op.Value > 40; // half the refreshes ask for downgrades and other lineages
                    bool sameLineage = Model.LineageOf(target) == Model.LineageOf(from);
                    bool allowed = sameLineage
                        ? Model.NumberOf(target) > Model.NumberOf(from) || asked
                        : asked && model.RootOf(target) == model.RootOf(from);
                    var options = new RefreshOptions { AllowDowngrade = asked, OtherLineage = asked };
                    if (!allowed)
                    {
                        Assert.Equal(StoreErrorKind.OutOfLine, Assert.Throws<StoreException>(() => f.Tree.Refresh(leaf, target, atNextBoot: false, options)).Kind);
                        break;
                    }
                    f.Tree.Refresh(leaf, target, atNextBoot: false, options);
                    model.Leaves[leaf] = (target, model.Leaves[leaf].Own);
                    break;
                case Kinds.FlattenFrozen:
                    f.Tree.Flatten(someFrozen, null);
                    model.FrozenParent[someFrozen] = null;
                    break;
                case Kinds.Hoist:
                    Hoist(f, model, leaf is null ? someFrozen : model.Leaves[leaf].Parent); // a parent that has leaves
                    break;
                case Kinds.DeleteLeaf when leaf is not null:
                    f.Tree.Delete(leaf, recursive: false);
                    model.Leaves.Remove(leaf);
                    break;
                case Kinds.Reopen:
                    f.Reopen();
                    break;
                case Kinds.Crash:
                    f.Reopen(crash: true);
                    break;
            }
            foreach (string l in model.Leaves.Keys)
            {
                Assert.True(model.ViewOf(l).AsSpan().SequenceEqual(f.View(l)), $"leaf {l} differs from the model after {op}");
            }
            foreach ((string name, byte[] view) in model.Frozen)
            {
                Assert.True(view.AsSpan().SequenceEqual(f.View(name)), $"frozen {name} changed after {op}");
            }
        }

        // Rules 1 and 6: a leaf's writes become the lineage's next edition only from its latest, and only if there are any.
        void FreezeInto(string lineage, Func<LayerRecord> freeze, string leaf)
        {
            (string parent, SortedDictionary<int, byte> own) = model.Leaves[leaf];
            if (model.Latest(lineage) is { } latest && latest != parent)
            {
                Assert.Equal(StoreErrorKind.OutOfLine, Assert.Throws<StoreException>(() => freeze()).Kind);
                return;
            }
            if (own.Count == 0)
            {
                Assert.Equal(StoreErrorKind.Empty, Assert.Throws<StoreException>(() => freeze()).Kind);
                return;
            }
            LayerRecord edition = freeze();
            Assert.True(model.EverPublished.Add(edition.Name), $"{edition.Name} was given before");
            model.Frozen[edition.Name] = model.ViewOf(leaf);
            model.FrozenParent[edition.Name] = parent;
            model.Leaves[leaf] = (edition.Name, new SortedDictionary<int, byte>());
        }
    }

    /// <summary>The model's hoist: at 60% only one set of contents can qualify per block.</summary>
    private static void Hoist(TreeFixture f, Model model, string parent)
    {
        const int Percent = 60;
        string[] leaves = [.. model.Leaves.Where(l => l.Value.Parent == parent).Select(l => l.Key)];
        if (leaves.Length < 2 || model.Latest(Model.LineageOf(parent)) != parent)
        {
            Assert.ThrowsAny<StoreException>(() => f.Tree.Hoist(parent, Percent));
            return;
        }
        int needed = Math.Max(2, (int)Math.Ceiling(Percent * leaves.Length / 100.0));
        var hoisted = new Dictionary<int, byte>();
        foreach (int block in leaves.SelectMany(l => model.Leaves[l].Own.Keys).Distinct())
        {
            var best = leaves.Where(l => model.Leaves[l].Own.ContainsKey(block))
                .GroupBy(l => model.Leaves[l].Own[block]).MaxBy(g => g.Count());
            if (best is not null && best.Count() >= needed)
            {
                hoisted[block] = best.Key;
            }
        }
        if (hoisted.Count == 0)
        {
            Assert.Equal(StoreErrorKind.Empty, Assert.Throws<StoreException>(() => f.Tree.Hoist(parent, Percent)).Kind);
            return;
        }
        HoistResult result = f.Tree.Hoist(parent, Percent);
        Assert.Equal(hoisted.Count, result.HoistedBlocks);
        Assert.True(model.EverPublished.Add(result.Branch.Name), $"{result.Branch.Name} was given before");
        model.FrozenParent[result.Branch.Name] = parent;
        byte[] branch = (byte[])model.Frozen[parent].Clone();
        foreach ((int block, byte value) in hoisted)
        {
            branch[block] = value;
        }
        model.Frozen[result.Branch.Name] = branch;
        foreach (string leaf in leaves)
        {
            SortedDictionary<int, byte> own = model.Leaves[leaf].Own;
            foreach ((int block, byte value) in hoisted)
            {
                if (own.TryGetValue(block, out byte mine) && mine == value)
                {
                    own.Remove(block);
                }
                else if (!own.ContainsKey(block))
                {
                    own[block] = model.Frozen[parent][block];
                }
            }
            model.Leaves[leaf] = (result.Branch.Name, own);
        }
    }
}
